package objstore

import (
	"net/url"
	"strings"
	"time"

	"github.com/sluicehq/sluice/conf"
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
	PartSize conf.ByteSize `yaml:"part_size"`
	// PartConcurrency is how many parts of one file are uploaded at once. Default 4.
	PartConcurrency int `yaml:"part_concurrency"`
	// MaxAttempts is how many times one request is tried before the error is
	// returned (the upload stage then tries the round again). Default 5.
	MaxAttempts int `yaml:"max_attempts"`
	// MaxBackoff caps the wait between attempts. Default 20s.
	MaxBackoff time.Duration `yaml:"max_backoff"`
	// Encryption is the server-side encryption of every object sluice
	// writes (data files and progress records). See docs/s3-security.md.
	Encryption S3Encryption `yaml:"encryption"`
	// StorageClass is the storage class of data files ("STANDARD_IA");
	// empty uses the bucket's default (STANDARD). Progress records, small
	// and rewritten often, always use the default.
	StorageClass string `yaml:"storage_class"`
	// ACL is the canned ACL of every object sluice writes
	// ("bucket-owner-full-control" for a bucket in another account); empty
	// sends none.
	ACL string `yaml:"acl"`
	// Tags are object tags set on every data file (at most 10; keys up to
	// 128 characters, values up to 256). Progress records get none.
	Tags map[string]string `yaml:"tags,omitempty"`
	// Role is an IAM role to assume on top of the base credentials.
	Role S3Role `yaml:"role"`
}

// maxPartSize is S3's largest multipart part.
const maxPartSize = conf.ByteSize(5 << 30)

// DefaultS3Config returns the S3 configuration used where the file sets none.
// Region stays empty: the AWS environment supplies it, else "us-east-1".
func DefaultS3Config() S3Config {
	return S3Config{
		Checksum:        DefaultChecksum,
		PartSize:        DefaultPartSize,
		PartConcurrency: DefaultPartConcurrency,
		MaxAttempts:     DefaultMaxAttempts,
		MaxBackoff:      DefaultMaxBackoff,
		Encryption:      S3Encryption{Mode: EncryptionNone},
		Role:            S3Role{SessionName: DefaultRoleSessionName, Duration: DefaultRoleDuration},
	}
}

// Validate reports every problem of the configuration, each a
// *conf.FieldError naming its YAML path relative to the s3 section
// ("endpoint", "part_size"). It only checks; it never fills in defaults.
func (c S3Config) Validate() error {
	var errs conf.Errors
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs.Addf("endpoint", "%q is not an http:// or https:// URL", c.Endpoint)
		}
	}
	if strings.ContainsAny(c.Region, " /") {
		errs.Addf("region", "invalid region %q", c.Region)
	}
	if c.Checksum != ChecksumWhenSupported && c.Checksum != ChecksumWhenRequired {
		errs.Addf("checksum", "unknown value %q (want %s, %s)", c.Checksum, ChecksumWhenSupported, ChecksumWhenRequired)
	}
	if (c.AccessKeyID == "") != (c.SecretAccessKey == "") {
		errs.Addf("secret_access_key", "access_key_id and secret_access_key go together")
	}
	if c.SessionToken != "" && c.AccessKeyID == "" {
		errs.Addf("session_token", "needs access_key_id and secret_access_key")
	}
	if c.PartSize < MinPartSize || c.PartSize > maxPartSize {
		errs.Addf("part_size", "must be from %s to %s (S3's limits), got %d bytes", MinPartSize, maxPartSize, int64(c.PartSize))
	}
	if c.PartConcurrency < 1 {
		errs.Addf("part_concurrency", "must be at least 1, got %d", c.PartConcurrency)
	}
	if c.MaxAttempts < 1 {
		errs.Addf("max_attempts", "must be at least 1, got %d", c.MaxAttempts)
	}
	if c.MaxBackoff <= 0 {
		errs.Addf("max_backoff", "must be positive, got %s", c.MaxBackoff)
	}
	c.validateSecurity(&errs)
	return errs.Err()
}

// Redacted returns a copy of c with its secrets (secret_access_key,
// session_token) replaced by "[REDACTED]", for logs and printing.
func (c S3Config) Redacted() S3Config {
	if c.SecretAccessKey != "" {
		c.SecretAccessKey = RedactedValue
	}
	if c.SessionToken != "" {
		c.SessionToken = RedactedValue
	}
	return c
}

// RedactedValue is what S3Config.Redacted puts in place of a secret.
const RedactedValue = "[REDACTED]"
