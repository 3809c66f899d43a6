package objstore_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/testing/faults"
	"github.com/sluicehq/sluice/testing/minio"
	"github.com/sluicehq/sluice/transport/objstore"
)

func TestS3RequestStatsUnreachable(t *testing.T) {
	var stats objstore.RequestStats
	cfg := objstore.S3Config{
		Endpoint: "http://127.0.0.1:1", PathStyle: true, AccessKeyID: "a", SecretAccessKey: "b",
		MaxAttempts: 3, MaxBackoff: 10 * time.Millisecond,
	}
	_, err := objstore.Open(t.Context(), "s3://bkt", cfg, objstore.Settings{RequestStats: &stats})
	require.Error(t, err)
	assert.Equal(t, map[string]int64{"ListObjectsV2": 2}, stats.Retries())
	assert.Equal(t, map[objstore.RequestError]int64{{Operation: "ListObjectsV2", Code: "_OTHER"}: 1}, stats.Errors())
}

func TestS3RequestStatsMinIO(t *testing.T) {
	srv := minio.Start(t)
	srv.CreateBucket(t, "stats")
	proxy, err := faults.NewProxy(srv.Endpoint)
	require.NoError(t, err)
	t.Cleanup(func() { _ = proxy.Close() })
	cfg := srv.S3Config()
	cfg.Endpoint = proxy.URL()
	cfg.MaxAttempts, cfg.MaxBackoff = 3, 10*time.Millisecond
	var stats objstore.RequestStats
	s, err := objstore.Open(t.Context(), "s3://stats", cfg, objstore.Settings{RequestStats: &stats})
	require.NoError(t, err)

	// Answers are not errors: a missing object, a refused condition.
	_, _, err = s.Get(t.Context(), "missing")
	require.ErrorIs(t, err, objstore.ErrNotExist)
	etag, err := s.PutIf(t.Context(), "p", []byte("v1"), "")
	require.NoError(t, err)
	_, err = s.PutIf(t.Context(), "p", []byte("v2"), "")
	require.ErrorIs(t, err, objstore.ErrPrecondition)
	assert.Empty(t, stats.Errors())
	assert.Empty(t, stats.Retries())

	// Every PUT answered 503: each attempt is retried, then the put fails.
	require.NoError(t, proxy.Set(faults.Fault{Kind: faults.Status5xx, Rate: 1, Methods: []string{"PUT"}}))
	_, err = s.PutIf(t.Context(), "p", []byte("v3"), etag)
	require.Error(t, err)
	proxy.Clear()
	injected := proxy.Stats().Injected[faults.Status5xx]
	require.EqualValues(t, 3, injected, "the proxy saw every attempt")
	assert.Equal(t, map[string]int64{"PutObject": injected - 1}, stats.Retries())
	assert.Equal(t, map[objstore.RequestError]int64{{Operation: "PutObject", Code: "SlowDown"}: 1}, stats.Errors())

	// A retried success counts its retries and no error.
	require.NoError(t, proxy.Set(faults.Fault{Kind: faults.Status5xx, Rate: 1, Methods: []string{"GET"}}))
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(5 * time.Millisecond)
		proxy.Clear()
	}()
	_, _, err = s.Get(t.Context(), "p")
	<-done
	require.NoError(t, err)
	assert.Equal(t, proxy.Stats().Injected[faults.Status5xx]-injected, stats.Retries()["GetObject"])
	assert.Len(t, stats.Errors(), 1)
}
