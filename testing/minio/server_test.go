package minio_test

import (
	"encoding/base64"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/testing/minio"
	"github.com/sluicehq/sluice/transport/objstore"
)

func TestStartServesS3(t *testing.T) {
	srv := minio.Start(t)
	resp, err := http.Get(srv.Endpoint + "/minio/health/live") //nolint:noctx // test probe
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	srv.CreateBucket(t, "bkt")
	s, err := objstore.Open(t.Context(), "s3://bkt/p", srv.S3Config(), objstore.Settings{})
	require.NoError(t, err)
	etag, err := s.PutIf(t.Context(), "k", []byte("v"), "")
	require.NoError(t, err)
	data, got, err := s.Get(t.Context(), "k")
	require.NoError(t, err)
	assert.Equal(t, "v", string(data))
	assert.Equal(t, etag, got)
}

func TestServersAreIndependent(t *testing.T) {
	a, b := minio.Start(t), minio.Start(t)
	assert.NotEqual(t, a.Endpoint, b.Endpoint)
	a.CreateBucket(t, "only-in-a")
	_, err := objstore.Open(t.Context(), "s3://only-in-a", b.S3Config(), objstore.Settings{})
	require.ErrorIs(t, err, objstore.ErrNoBucket)
}

func TestBinaryHonoursEnv(t *testing.T) {
	t.Setenv(minio.EnvBinary, filepath.Join(t.TempDir(), "no-such-minio"))
	_, err := minio.Binary()
	require.ErrorContains(t, err, minio.EnvBinary)
}

func TestStartWithTLSAndEnv(t *testing.T) {
	kms := "MINIO_KMS_SECRET_KEY=test-key:" + base64.StdEncoding.EncodeToString(make([]byte, 32))
	srv := minio.StartWith(t, minio.Options{TLS: true, Env: []string{kms}})
	require.True(t, strings.HasPrefix(srv.Endpoint, "https://127.0.0.1:"), srv.Endpoint)
	_, err := http.Get(srv.Endpoint + "/minio/health/live") //nolint:noctx // test probe
	require.Error(t, err, "the default client does not trust the self-signed certificate")
	resp, err := srv.HTTPClient.Get(srv.Endpoint + "/minio/health/live") //nolint:noctx // test probe
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.FileExists(t, srv.CAFile)

	// The environment reached the server: SSE-S3 needs its KMS key.
	srv.CreateBucket(t, "bkt")
	cfg := srv.S3Config()
	cfg.Encryption.Mode = objstore.EncryptionSSES3
	s, err := objstore.Open(t.Context(), "s3://bkt", cfg, objstore.Settings{HTTPClient: srv.HTTPClient})
	require.NoError(t, err)
	_, err = s.PutIf(t.Context(), "k", []byte("v"), "")
	require.NoError(t, err)
}
