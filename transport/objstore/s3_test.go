package objstore_test

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/testing/minio"
	"github.com/sluicehq/sluice/transport/objstore"
	"github.com/sluicehq/sluice/transport/objstore/objstoretest"
)

// s3Contract runs the contract on fresh prefixes of one bucket, with 5 MiB
// parts so the multipart test uploads four parts.
func s3Contract(t *testing.T, bucket string, cfg objstore.S3Config, set objstore.Settings) {
	cfg.PartSize = objstore.MinPartSize
	objstoretest.Contract(t, func(t *testing.T) objstore.Store {
		url := "s3://" + bucket + "/" + strings.ReplaceAll(t.Name(), "/", "_")
		s, err := objstore.Open(t.Context(), url, cfg, set)
		require.NoError(t, err)
		require.Equal(t, url, s.String())
		return s
	})
}

func TestS3StoreContractMinIO(t *testing.T) {
	srv := minio.Start(t)
	srv.CreateBucket(t, "contract")
	for _, checksum := range []string{objstore.ChecksumWhenSupported, objstore.ChecksumWhenRequired} {
		t.Run(checksum, func(t *testing.T) {
			cfg := srv.S3Config()
			cfg.Checksum = checksum
			s3Contract(t, "contract", cfg, objstore.Settings{})
		})
	}
}

func TestS3StoreAccessErrors(t *testing.T) {
	srv := minio.Start(t)
	srv.CreateBucket(t, "bkt")
	tests := []struct {
		name     string
		url      string
		edit     func(*objstore.S3Config)
		sentinel error
		want     string
	}{
		{"wrong secret", "s3://bkt/p", func(c *objstore.S3Config) { c.SecretAccessKey = "wrong-secret" },
			objstore.ErrAccessDenied, "s3://bkt/p: access denied (SignatureDoesNotMatch): check credentials"},
		{"unknown key id", "s3://bkt", func(c *objstore.S3Config) { c.AccessKeyID = "nobody" },
			objstore.ErrAccessDenied, "s3://bkt: access denied (InvalidAccessKeyId): check credentials"},
		{"missing bucket", "s3://nosuchbucket/p", func(*objstore.S3Config) {},
			objstore.ErrNoBucket, `s3://nosuchbucket/p: bucket "nosuchbucket" does not exist`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := srv.S3Config()
			tt.edit(&cfg)
			start := time.Now()
			_, err := objstore.Open(t.Context(), tt.url, cfg, objstore.Settings{})
			require.ErrorIs(t, err, tt.sentinel)
			assert.ErrorContains(t, err, tt.want)
			assert.Less(t, time.Since(start), 10*time.Second, "refusals are not retried")
		})
	}
	// Nothing was written by the refused attempts.
	s, err := objstore.Open(t.Context(), "s3://bkt", srv.S3Config(), objstore.Settings{})
	require.NoError(t, err)
	require.NoError(t, s.List(t.Context(), "", func(o objstore.Object) error {
		return errors.New("unexpected object " + o.Key)
	}))
}

func TestS3StoreConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(*objstore.S3Config)
		want string
	}{
		{"part size below 5MiB", func(c *objstore.S3Config) { c.PartSize = 1 << 20 }, "part_size"},
		{"unknown checksum", func(c *objstore.S3Config) { c.Checksum = "always" }, `checksum: unknown value "always"`},
		{"half static credentials", func(c *objstore.S3Config) { c.SecretAccessKey = "" }, "go together"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := objstore.S3Config{Endpoint: "http://127.0.0.1:1", AccessKeyID: "a", SecretAccessKey: "b"}
			tt.edit(&cfg)
			_, err := objstore.Open(t.Context(), "s3://bkt", cfg, objstore.Settings{})
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestS3StoreUnreachableEndpointGivesUp(t *testing.T) {
	cfg := objstore.S3Config{
		Endpoint: "http://127.0.0.1:1", PathStyle: true, AccessKeyID: "a", SecretAccessKey: "b",
		MaxAttempts: 3, MaxBackoff: 10 * time.Millisecond,
	}
	start := time.Now()
	_, err := objstore.Open(t.Context(), "s3://bkt", cfg, objstore.Settings{})
	require.ErrorContains(t, err, "exceeded maximum number of attempts, 3")
	assert.Less(t, time.Since(start), 10*time.Second)
}

// loseFirstResponse forwards requests, but the first conditional PUT's
// response is dropped after the server applied it, as if the connection
// broke: the SDK retries, and the retry fails its precondition.
type loseFirstResponse struct {
	base http.RoundTripper
	lost atomic.Bool
}

func (l *loseFirstResponse) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.base.RoundTrip(req)
	conditional := req.Header.Get("If-None-Match") != "" || req.Header.Get("If-Match") != ""
	if err == nil && req.Method == http.MethodPut && conditional && l.lost.CompareAndSwap(false, true) {
		_ = resp.Body.Close()
		return nil, errors.New("read: connection reset by peer")
	}
	return resp, err
}

func TestS3StorePutIfRecognisesItsRetriedSuccess(t *testing.T) {
	srv := minio.Start(t)
	srv.CreateBucket(t, "retry")
	lossy := &loseFirstResponse{base: http.DefaultTransport}
	set := objstore.Settings{HTTPClient: &http.Client{Transport: lossy}}
	s, err := objstore.Open(t.Context(), "s3://retry", srv.S3Config(), set)
	require.NoError(t, err)

	// Create-only: the first attempt created the object.
	etag, err := s.PutIf(t.Context(), "create", []byte("v1"), "")
	require.NoError(t, err)
	require.True(t, lossy.lost.Load(), "the first response was lost")
	_, got, err := s.Get(t.Context(), "create")
	require.NoError(t, err)
	assert.Equal(t, got, etag)

	// If-Match: the first attempt replaced v1 with v2.
	lossy.lost.Store(false)
	etag2, err := s.PutIf(t.Context(), "create", []byte("v2"), etag)
	require.NoError(t, err)
	require.True(t, lossy.lost.Load())
	data, got, err := s.Get(t.Context(), "create")
	require.NoError(t, err)
	assert.Equal(t, "v2", string(data))
	assert.Equal(t, got, etag2)

	// A real conflict after a retry is still a conflict.
	lossy.lost.Store(false)
	_, err = s.PutIf(t.Context(), "create", []byte("v3"), etag)
	require.ErrorIs(t, err, objstore.ErrPrecondition)
}
