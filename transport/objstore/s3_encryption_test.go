package objstore_test

import (
	"bytes"
	"crypto/md5" //nolint:gosec // SSE-C's key checksum
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/testing/minio"
	"github.com/sluicehq/sluice/transport/objstore"
)

// kmsKeyName is the static KMS key MinIO is started with.
const kmsKeyName = "sluice-test-key"

// kmsEnv gives MinIO a static KMS key, which SSE-S3 and SSE-KMS need.
func kmsEnv() string {
	return "MINIO_KMS_SECRET_KEY=" + kmsKeyName + ":" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
}

// writeSome stores, through st, what sluice writes: a small data file, a
// multipart data file (cfg.PartSize must be 5 MiB) and a progress record
// created and then replaced conditionally. It returns the keys.
func writeSome(t *testing.T, st objstore.Store) []string {
	t.Helper()
	dir := t.TempDir()
	small, big := filepath.Join(dir, "small"), filepath.Join(dir, "big")
	require.NoError(t, os.WriteFile(small, []byte("small data file"), 0o600))
	require.NoError(t, os.WriteFile(big, bytes.Repeat([]byte("0123456789abcdef"), (5<<20)/16+1), 0o600))
	_, err := st.Put(t.Context(), "data/small", small)
	require.NoError(t, err)
	_, err = st.Put(t.Context(), "data/big", big)
	require.NoError(t, err)
	etag, err := st.PutIf(t.Context(), "_sluice/progress/t/0.json", []byte(`{"next_offset":1}`), "")
	require.NoError(t, err)
	_, err = st.PutIf(t.Context(), "_sluice/progress/t/0.json", []byte(`{"next_offset":2}`), etag)
	require.NoError(t, err)
	return []string{"data/small", "data/big", "_sluice/progress/t/0.json"}
}

// TestS3EncryptionMinIO writes with each server-side encryption mode
// MinIO's static KMS key supports, checks what the server reports for each
// object, and runs the store contract with the mode on: conditional writes
// (the progress protocol) keep working.
func TestS3EncryptionMinIO(t *testing.T) {
	srv := minio.StartWith(t, minio.Options{Env: []string{kmsEnv()}})
	srv.CreateBucket(t, "enc")
	client := srv.Client()
	tests := []struct {
		name    string
		enc     objstore.S3Encryption
		wantSSE types.ServerSideEncryption
		wantKey string // contained in the reported KMS key id
	}{
		{"none", objstore.S3Encryption{Mode: objstore.EncryptionNone}, "", ""},
		{"sse-s3", objstore.S3Encryption{Mode: objstore.EncryptionSSES3}, types.ServerSideEncryptionAes256, ""},
		{"sse-kms", objstore.S3Encryption{Mode: objstore.EncryptionSSEKMS, KMSKeyID: kmsKeyName,
			Context: map[string]string{"team": "data"}, BucketKey: true}, types.ServerSideEncryptionAwsKms, kmsKeyName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := srv.S3Config()
			cfg.PartSize = objstore.MinPartSize
			cfg.Encryption = tt.enc
			st, err := objstore.Open(t.Context(), "s3://enc/"+tt.name, cfg, objstore.Settings{})
			require.NoError(t, err)
			for _, key := range writeSome(t, st) {
				head, err := client.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String("enc"), Key: aws.String(tt.name + "/" + key)})
				require.NoError(t, err, key)
				assert.Equal(t, tt.wantSSE, head.ServerSideEncryption, key)
				if tt.wantKey == "" {
					assert.Empty(t, aws.ToString(head.SSEKMSKeyId), key)
				} else {
					assert.Contains(t, aws.ToString(head.SSEKMSKeyId), tt.wantKey, key)
				}
			}
			if tt.enc.Mode != objstore.EncryptionNone {
				s3Contract(t, "enc", cfg, objstore.Settings{})
			}
		})
	}
}

// TestS3CustomerKeyMinIO writes with SSE-C to MinIO over TLS (it refuses
// SSE-C over plain HTTP), reads back with the key, checks that readers
// without it or with another key are refused with a clear error, and runs
// the store contract with SSE-C.
func TestS3CustomerKeyMinIO(t *testing.T) {
	srv := minio.StartWith(t, minio.Options{TLS: true})
	srv.CreateBucket(t, "ssec")
	set := objstore.Settings{HTTPClient: srv.HTTPClient}
	dir := t.TempDir()
	key := bytes.Repeat([]byte{42}, 32)
	keyFile, otherFile := filepath.Join(dir, "key"), filepath.Join(dir, "other")
	require.NoError(t, os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600))
	require.NoError(t, os.WriteFile(otherFile, bytes.Repeat([]byte{43}, 32), 0o600))

	cfg := srv.S3Config()
	cfg.PartSize = objstore.MinPartSize
	cfg.Encryption = objstore.S3Encryption{Mode: objstore.EncryptionSSEC, CustomerKeyFile: keyFile}
	st, err := objstore.Open(t.Context(), "s3://ssec/p", cfg, set)
	require.NoError(t, err)
	keys := writeSome(t, st)
	data, _, err := st.Get(t.Context(), "data/small")
	require.NoError(t, err)
	assert.Equal(t, "small data file", string(data))

	sum := md5.Sum(key) //nolint:gosec // SSE-C's key checksum
	head, err := srv.Client().HeadObject(t.Context(), &s3.HeadObjectInput{
		Bucket: aws.String("ssec"), Key: aws.String("p/data/big"),
		SSECustomerAlgorithm: aws.String("AES256"),
		SSECustomerKey:       aws.String(base64.StdEncoding.EncodeToString(key)),
		SSECustomerKeyMD5:    aws.String(base64.StdEncoding.EncodeToString(sum[:])),
	})
	require.NoError(t, err)
	assert.Equal(t, "AES256", aws.ToString(head.SSECustomerAlgorithm))
	assert.Equal(t, base64.StdEncoding.EncodeToString(sum[:]), aws.ToString(head.SSECustomerKeyMD5))

	// Without the key, or with another, nothing can be read.
	plain := srv.S3Config()
	other := cfg
	other.Encryption.CustomerKeyFile = otherFile
	for name, c := range map[string]objstore.S3Config{"no key": plain, "other key": other} {
		reader, err := objstore.Open(t.Context(), "s3://ssec/p", c, set)
		require.NoError(t, err, name)
		for _, k := range keys {
			_, _, err := reader.Get(t.Context(), k)
			require.Error(t, err, "%s: %s", name, k)
			assert.Contains(t, err.Error(), "customer_key_file", "%s: %s: the error names the setting", name, k)
		}
		_, err = reader.Open(t.Context(), "data/big")
		require.Error(t, err, name)
	}

	s3Contract(t, "ssec", cfg, set)
}

// TestS3CustomerKeyNeedsTLS shows why the SSE-C tests run MinIO with TLS:
// over plain HTTP the server refuses the key, and the error says so.
func TestS3CustomerKeyNeedsTLS(t *testing.T) {
	srv := minio.Start(t)
	srv.CreateBucket(t, "plain")
	keyFile := filepath.Join(t.TempDir(), "key")
	require.NoError(t, os.WriteFile(keyFile, bytes.Repeat([]byte{1}, 32), 0o600))
	cfg := srv.S3Config()
	cfg.Encryption = objstore.S3Encryption{Mode: objstore.EncryptionSSEC, CustomerKeyFile: keyFile}
	st, err := objstore.Open(t.Context(), "s3://plain", cfg, objstore.Settings{})
	require.NoError(t, err)
	_, err = st.PutIf(t.Context(), "k", []byte("v"), "")
	require.Error(t, err)
	assert.True(t, strings.Contains(strings.ToLower(err.Error()), "https") || strings.Contains(err.Error(), "TLS"), err.Error())
}
