package faults_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/testing/faults"
	"github.com/sluicehq/sluice/testing/minio"
	"github.com/sluicehq/sluice/transport/objstore"
)

// TestThrottleAnswersSlowDown checks the answer a Throttle fault gives: 503,
// S3's SlowDown error body and the Retry-After headers; and that its Limit
// makes it a burst.
func TestThrottleAnswersSlowDown(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer target.Close()
	p := start(t, target.URL)
	require.NoError(t, p.Set(faults.Fault{Kind: faults.Throttle, Rate: 1, Limit: 2, RetryAfter: 1500 * time.Millisecond}))

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, p.URL()+"/bkt/k", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, resp.Body.Close())
	require.NoError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "2", resp.Header.Get("Retry-After"), "whole seconds, rounded up")
	assert.Equal(t, "1500", resp.Header.Get("X-Amz-Retry-After"), "milliseconds")
	assert.Contains(t, string(body), "<Code>SlowDown</Code>")

	assert.Equal(t, []int{503, 200, 200}, statusSequence(t, p, 3), "the burst of 2 ends")
	assert.Equal(t, int64(2), p.Stats().Injected[faults.Throttle])
}

// TestStoreBacksOffThroughThrottling checks that the AWS SDK's standard
// retryer, as the S3 store configures it, takes SlowDown for throttling and
// retries it: a burst shorter than the store's attempts is ridden out, a
// longer one fails the operation with a throttling error (sluice then
// retries the round).
func TestStoreBacksOffThroughThrottling(t *testing.T) {
	env := newS3Env(t, 6) // 12 attempts per operation
	require.NoError(t, env.proxy.Set(faults.Fault{Kind: faults.Throttle, Rate: 1, Limit: 5, RetryAfter: 10 * time.Millisecond}))
	etag, err := env.store.PutIf(t.Context(), "k", []byte("v1"), "")
	require.NoError(t, err, "a burst of 5 throttles is retried")
	assert.NotEmpty(t, etag)
	assert.Equal(t, int64(5), env.proxy.Stats().Injected[faults.Throttle])

	require.NoError(t, env.proxy.Set(faults.Fault{Kind: faults.Throttle, Rate: 1, RetryAfter: 10 * time.Millisecond}))
	_, err = env.store.PutIf(t.Context(), "k2", []byte("v2"), "")
	require.Error(t, err, "retries exhausted")
	assert.Equal(t, aws.TrueTernary, retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err),
		"the SDK classifies the error as throttling: %v", err)
	assert.Equal(t, int64(5+12), env.proxy.Stats().Injected[faults.Throttle], "every attempt was made")

	env.proxy.Clear()
	_, err = env.store.PutIf(t.Context(), "k2", []byte("v2"), "")
	require.NoError(t, err)
}

// TestOpenWaitsForAnUnwellStore: a store that fails transiently at start
// for longer than the SDK's own attempts (connections reset, then
// throttled) is checked again until it answers; one that refuses
// connections (a wrong endpoint) fails at once.
func TestOpenWaitsForAnUnwellStore(t *testing.T) {
	srv := minio.Start(t)
	srv.CreateBucket(t, "bkt")
	p := start(t, srv.Endpoint, faults.WithSeed(3))
	cfg := srv.S3Config()
	cfg.Endpoint = p.URL()
	cfg.MaxAttempts = 2
	cfg.MaxBackoff = 10 * time.Millisecond
	open := func(cfg objstore.S3Config) error {
		transport := &http.Transport{}
		defer transport.CloseIdleConnections()
		_, err := objstore.Open(t.Context(), "s3://bkt/p", cfg, objstore.Settings{HTTPClient: &http.Client{Transport: transport}})
		return err
	}

	for _, f := range []faults.Fault{
		{Kind: faults.Reset, Rate: 1, Limit: 5},
		{Kind: faults.Throttle, Rate: 1, Limit: 5, RetryAfter: 10 * time.Millisecond},
	} {
		require.NoError(t, p.Set(f))
		before := p.Stats().Injected[f.Kind]
		require.NoError(t, open(cfg), "%v: 5 failures, 2 attempts per check", f.Kind)
		assert.Equal(t, int64(5), p.Stats().Injected[f.Kind]-before, "%v: every failure was met", f.Kind)
		p.Clear()
	}

	refused := cfg
	refused.Endpoint = "http://" + freeAddr(t)
	begun := time.Now()
	require.Error(t, open(refused))
	assert.Less(t, time.Since(begun), 5*time.Second, "a refused connection is not waited for")
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}
