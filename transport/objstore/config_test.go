package objstore

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sluicehq/sluice/conf"
)

func TestS3ConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*S3Config)
		want   []string
	}{
		{"default", func(*S3Config) {}, nil},
		{"minio", func(c *S3Config) {
			c.Endpoint, c.PathStyle, c.Checksum = "http://127.0.0.1:9000", true, ChecksumWhenRequired
			c.AccessKeyID, c.SecretAccessKey, c.SessionToken = "id", "secret", "token"
		}, nil},
		{"endpoint", func(c *S3Config) { c.Endpoint = "127.0.0.1:9000" },
			[]string{`endpoint: "127.0.0.1:9000" is not an http:// or https:// URL`}},
		{"region", func(c *S3Config) { c.Region = "eu west" }, []string{`region: invalid region "eu west"`}},
		{"checksum", func(c *S3Config) { c.Checksum = "" },
			[]string{`checksum: unknown value "" (want when_supported, when_required)`}},
		{"half credentials", func(c *S3Config) { c.AccessKeyID = "id" },
			[]string{"secret_access_key: access_key_id and secret_access_key go together"}},
		{"token alone", func(c *S3Config) { c.SessionToken = "t" },
			[]string{"session_token: needs access_key_id and secret_access_key"}},
		{"part size bounds", func(c *S3Config) { c.PartSize = MinPartSize }, nil},
		{"small part", func(c *S3Config) { c.PartSize = MinPartSize - 1 },
			[]string{"part_size: must be from 5.0 MiB to 5.0 GiB (S3's limits), got 5242879 bytes"}},
		{"huge part", func(c *S3Config) { c.PartSize = 6 << 30 },
			[]string{"part_size: must be from 5.0 MiB to 5.0 GiB (S3's limits), got 6442450944 bytes"}},
		{"counts", func(c *S3Config) { c.PartConcurrency, c.MaxAttempts, c.MaxBackoff = 0, 0, 0 }, []string{
			"part_concurrency: must be at least 1, got 0", "max_attempts: must be at least 1, got 0",
			"max_backoff: must be positive, got 0s",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultS3Config()
			tt.mutate(&c)
			got := conf.Messages(c.Validate())
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestS3ConfigRedacted(t *testing.T) {
	c := S3Config{AccessKeyID: "id", SecretAccessKey: "secret", SessionToken: "token"}
	r := c.Redacted()
	assert.Equal(t, S3Config{AccessKeyID: "id", SecretAccessKey: RedactedValue, SessionToken: RedactedValue}, r)
	assert.Equal(t, "secret", c.SecretAccessKey)
	assert.Equal(t, S3Config{}, S3Config{}.Redacted())
}
