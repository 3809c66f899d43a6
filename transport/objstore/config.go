package objstore

import (
	"time"

	"github.com/sluicehq/sluice/internal/units"
)

// S3Config configures the S3 store (destination URLs "s3://bucket/prefix").
type S3Config struct {
	// Endpoint overrides the S3 endpoint, for S3-compatible servers
	// ("http://127.0.0.1:9000"). Empty uses AWS.
	Endpoint string `yaml:"endpoint"`
	// Region is the bucket's region. Default from the AWS environment, else "us-east-1".
	Region string `yaml:"region"`
	// PathStyle addresses buckets as endpoint/bucket instead of bucket.endpoint;
	// most S3-compatible servers need it.
	PathStyle bool `yaml:"path_style"`
	// Checksum is "when_supported" (the SDK default: checksums on every
	// request) or "when_required" (only where the API requires them; for
	// S3-compatible servers that reject the newer checksums).
	Checksum string `yaml:"checksum"`
	// AccessKeyID and SecretAccessKey are static credentials; empty uses the
	// AWS default chain (environment, shared config, instance role).
	AccessKeyID     string `yaml:"access_key_id"`
	SecretAccessKey string `yaml:"secret_access_key"`
	// SessionToken goes with temporary static credentials.
	SessionToken string `yaml:"session_token"`
	// PartSize is the multipart part size; files larger than it are uploaded
	// in parts. Default 16MiB (minimum 5MiB).
	PartSize units.ByteSize `yaml:"part_size"`
	// PartConcurrency is how many parts of one file are uploaded at once. Default 4.
	PartConcurrency int `yaml:"part_concurrency"`
	// MaxAttempts is how many times one request is tried before the error is
	// returned (the upload stage then tries the round again). Default 5.
	MaxAttempts int `yaml:"max_attempts"`
	// MaxBackoff caps the wait between attempts. Default 20s.
	MaxBackoff time.Duration `yaml:"max_backoff"`
}
