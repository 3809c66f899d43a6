package objstore

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/conf"
)

// keyFiles writes SSE-C key files of several shapes and returns their paths.
func keyFiles(t *testing.T) map[string]string {
	dir := t.TempDir()
	key := []byte("0123456789abcdef0123456789ABCDEF")
	files := map[string][]byte{
		"raw":       key,
		"base64":    []byte(base64.StdEncoding.EncodeToString(key) + "\n"),
		"short":     key[:16],
		"b64 short": []byte(base64.StdEncoding.EncodeToString(key[:16])),
		"raw+nl":    append(append([]byte{}, key...), '\n'),
	}
	paths := map[string]string{"missing": filepath.Join(dir, "missing")}
	for name, data := range files {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		require.NoError(t, os.WriteFile(p, data, 0o600))
		paths[name] = p
	}
	return paths
}

func TestS3SecurityValidate(t *testing.T) {
	keys := keyFiles(t)
	long := strings.Repeat("k", 129)
	tests := []struct {
		name   string
		mutate func(*S3Config)
		want   []string
	}{
		{"sse-s3", func(c *S3Config) { c.Encryption.Mode = EncryptionSSES3 }, nil},
		{"sse-kms in full", func(c *S3Config) {
			c.Encryption = S3Encryption{Mode: EncryptionSSEKMS, KMSKeyID: "arn:aws:kms:eu-west-1:123456789012:key/abc",
				Context: map[string]string{"team": "data"}, BucketKey: true}
		}, nil},
		{"sse-c raw key", func(c *S3Config) { c.Encryption = S3Encryption{Mode: EncryptionSSEC, CustomerKeyFile: keys["raw"]} }, nil},
		{"sse-c base64 key", func(c *S3Config) { c.Encryption = S3Encryption{Mode: EncryptionSSEC, CustomerKeyFile: keys["base64"]} }, nil},
		{"unknown mode", func(c *S3Config) { c.Encryption.Mode = "aes" },
			[]string{`encryption.mode: unknown mode "aes" (want none, sse-s3, sse-kms, sse-c)`}},
		{"empty mode", func(c *S3Config) { c.Encryption.Mode = "" },
			[]string{`encryption.mode: unknown mode "" (want none, sse-s3, sse-kms, sse-c)`}},
		{"kms fields without sse-kms", func(c *S3Config) {
			c.Encryption = S3Encryption{Mode: EncryptionSSES3, KMSKeyID: "k", Context: map[string]string{"a": "b"}, BucketKey: true}
		}, []string{
			"encryption.kms_key_id: only with mode sse-kms", "encryption.context: only with mode sse-kms",
			"encryption.bucket_key: only with mode sse-kms",
		}},
		{"empty context key", func(c *S3Config) {
			c.Encryption = S3Encryption{Mode: EncryptionSSEKMS, Context: map[string]string{"": "b"}}
		}, []string{"encryption.context: empty key"}},
		{"sse-c without key file", func(c *S3Config) { c.Encryption.Mode = EncryptionSSEC },
			[]string{"encryption.customer_key_file: required with mode sse-c"}},
		{"key file without sse-c", func(c *S3Config) { c.Encryption.CustomerKeyFile = keys["raw"] },
			[]string{"encryption.customer_key_file: only with mode sse-c"}},
		{"unreadable key file", func(c *S3Config) { c.Encryption = S3Encryption{Mode: EncryptionSSEC, CustomerKeyFile: keys["missing"]} },
			[]string{"encryption.customer_key_file: reading the SSE-C key: open " + keys["missing"] + ": no such file or directory"}},
		{"short raw key", func(c *S3Config) { c.Encryption = S3Encryption{Mode: EncryptionSSEC, CustomerKeyFile: keys["short"]} },
			[]string{"encryption.customer_key_file: " + keys["short"] + ": an SSE-C key is 32 raw bytes or their base64 (44 characters), got 16 bytes that are neither"}},
		{"short base64 key", func(c *S3Config) {
			c.Encryption = S3Encryption{Mode: EncryptionSSEC, CustomerKeyFile: keys["b64 short"]}
		},
			[]string{"encryption.customer_key_file: " + keys["b64 short"] + ": an SSE-C key is 32 raw bytes or their base64 (44 characters), got 24 bytes that are neither"}},
		{"raw key with a newline", func(c *S3Config) { c.Encryption = S3Encryption{Mode: EncryptionSSEC, CustomerKeyFile: keys["raw+nl"]} },
			[]string{"encryption.customer_key_file: " + keys["raw+nl"] + ": an SSE-C key is 32 raw bytes or their base64 (44 characters), got 33 bytes that are neither"}},
		{"storage class and acl", func(c *S3Config) { c.StorageClass, c.ACL = "STANDARD_IA", "bucket-owner-full-control" }, nil},
		{"unknown storage class", func(c *S3Config) { c.StorageClass = "standard_ia" },
			[]string{`storage_class: unknown storage class "standard_ia" (want one of ` + strings.Join(storageClasses(), ", ") + ")"}},
		{"unknown acl", func(c *S3Config) { c.ACL = "owner-full-control" },
			[]string{`acl: unknown canned ACL "owner-full-control" (want one of private, public-read, public-read-write, authenticated-read, aws-exec-read, bucket-owner-read, bucket-owner-full-control)`}},
		{"tags", func(c *S3Config) {
			c.Tags = map[string]string{"team": "data", "cost centre": "a+b=c/d:e@f_g.h-i", "empty": ""}
		}, nil},
		{"too many tags", func(c *S3Config) {
			c.Tags = map[string]string{}
			for i := range 11 {
				c.Tags[string(rune('a'+i))] = "v"
			}
		}, []string{"tags: at most 10 tags, got 11"}},
		{"bad tags", func(c *S3Config) {
			c.Tags = map[string]string{"": "v", long: "v", "aws:x": "v", "a&b": "v", "long": strings.Repeat("v", 257), "amp": "x&y"}
		}, []string{
			"tags: empty tag key",
			`tags: key "a&b": only letters, digits, spaces and _ . : / = + - @ are allowed`,
			`tags: value of "amp": only letters, digits, spaces and _ . : / = + - @ are allowed`,
			`tags: key "aws:x": the aws: prefix is reserved`,
			`tags: key "` + long + `" is longer than 128 characters`,
			`tags: value of "long" is longer than 256 characters`,
		}},
		{"tag limits are characters", func(c *S3Config) {
			c.Tags = map[string]string{strings.Repeat("é", 128): strings.Repeat("ü", 256)}
		}, nil},
		{"role", func(c *S3Config) {
			c.Role = S3Role{ARN: "arn:aws:iam::123456789012:role/sluice", ExternalID: "ext-1", SessionName: "sluice-0",
				Duration: 12 * time.Hour, STSEndpoint: "https://sts.eu-west-1.amazonaws.com"}
		}, nil},
		{"bad role", func(c *S3Config) {
			c.Role = S3Role{ARN: "arn:aws:iam::123456789012:user/me", ExternalID: "x", SessionName: "a b", Duration: 10 * time.Minute,
				STSEndpoint: "sts.amazonaws.com"}
		}, []string{
			`role.arn: "arn:aws:iam::123456789012:user/me" is not a role ARN (want arn:aws:iam::ACCOUNT:role/NAME)`,
			"role.external_id: must be 2 to 1224 of letters, digits and _ + = , . @ : / -",
			`role.session_name: "a b" must be 2 to 64 of letters, digits and _ + = , . @ -`,
			"role.duration: must be from 15m0s to 12h0m0s, got 10m0s",
			`role.sts_endpoint: "sts.amazonaws.com" is not an http:// or https:// URL`,
		}},
		{"role fields without arn", func(c *S3Config) {
			c.Role.ExternalID, c.Role.STSEndpoint, c.Role.Duration = "ext-1", "http://127.0.0.1:5000", 13*time.Hour
		}, []string{
			"role.external_id: needs arn", "role.duration: must be from 15m0s to 12h0m0s, got 13h0m0s",
			"role.sts_endpoint: needs arn",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultS3Config()
			tt.mutate(&c)
			assert.Equal(t, tt.want, conf.Messages(c.Validate()))
		})
	}
}

func TestStorageClassesComeFromTheSDK(t *testing.T) {
	assert.Subset(t, storageClasses(), []string{"STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"})
	assert.Contains(t, cannedACLs(), "bucket-owner-full-control")
}

func TestReadCustomerKey(t *testing.T) {
	keys := keyFiles(t)
	for _, name := range []string{"raw", "base64"} {
		key, err := readCustomerKey(keys[name])
		require.NoError(t, err, name)
		assert.Equal(t, "0123456789abcdef0123456789ABCDEF", string(key), name)
	}
}

func TestEncodeTags(t *testing.T) {
	got := encodeTags(map[string]string{"team": "data", "cost centre": "a+b=c/d", "empty": ""})
	assert.Equal(t, "cost%20centre=a%2Bb%3Dc%2Fd&empty=&team=data", got)
}
