package faults_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/sluicehq/sluice/testing/faults"
	"github.com/sluicehq/sluice/testing/minio"
	"github.com/sluicehq/sluice/transport/objstore"
)

// logCounter is a slog handler counting records by message.
type logCounter struct {
	mu   sync.Mutex
	msgs map[string]int
}

func (l *logCounter) Enabled(context.Context, slog.Level) bool { return true }
func (l *logCounter) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs[r.Message]++
	return nil
}
func (l *logCounter) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logCounter) WithGroup(string) slog.Handler      { return l }
func (l *logCounter) count(msg string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.msgs[msg]
}

// s3Env is a MinIO server, a proxy in front of it and an objstore S3 store
// that goes through the proxy.
type s3Env struct {
	proxy *faults.Proxy
	store objstore.Store
	logs  *logCounter
}

func newS3Env(t *testing.T, seed uint64) *s3Env {
	t.Helper()
	srv := minio.Start(t)
	srv.CreateBucket(t, "bkt")
	p := start(t, srv.Endpoint, faults.WithSeed(seed))
	cfg := srv.S3Config()
	cfg.Endpoint = p.URL()
	cfg.MaxAttempts = 12
	cfg.MaxBackoff = 20 * time.Millisecond
	cfg.PartSize = objstore.MinPartSize
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	logs := &logCounter{msgs: map[string]int{}}
	s, err := objstore.Open(t.Context(), "s3://bkt/p", cfg, objstore.Settings{
		Logger:     slog.New(logs),
		HTTPClient: &http.Client{Transport: transport},
	})
	require.NoError(t, err)
	return &s3Env{proxy: p, store: s, logs: logs}
}

// writeFile writes n bytes of a pattern to a temp file.
func writeFile(t *testing.T, n int) (string, []byte) {
	t.Helper()
	data := bytes.Repeat([]byte("0123456789abcdef"), n/16+1)[:n]
	path := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path, data
}

// exercise runs signed Put (single and multipart), Get, PutIf (create and
// compare-and-swap), List and Delete through the proxy.
func exercise(t *testing.T, s objstore.Store, name string) {
	t.Helper()
	ctx := t.Context()
	for _, size := range []int{1000, int(objstore.MinPartSize)*2 + 100} {
		path, data := writeFile(t, size)
		key := fmt.Sprintf("%s/put-%d", name, size)
		obj, err := s.Put(ctx, key, path)
		require.NoError(t, err)
		assert.Equal(t, int64(size), obj.Size)
		rc, err := s.Open(ctx, key)
		require.NoError(t, err)
		var got bytes.Buffer
		_, err = got.ReadFrom(rc)
		require.NoError(t, rc.Close())
		require.NoError(t, err)
		assert.True(t, bytes.Equal(data, got.Bytes()), "content of %s", key)
	}
	key := name + "/progress.json"
	etag, err := s.PutIf(ctx, key, []byte(`{"v":1}`), "")
	require.NoError(t, err)
	_, err = s.PutIf(ctx, key, []byte(`{"v":1}`+"x"), "")
	require.ErrorIs(t, err, objstore.ErrPrecondition, "If-None-Match holds through the proxy")
	etag2, err := s.PutIf(ctx, key, []byte(`{"v":2}`), etag)
	require.NoError(t, err)
	_, err = s.PutIf(ctx, key, []byte(`{"v":3}`), etag)
	require.ErrorIs(t, err, objstore.ErrPrecondition, "If-Match holds through the proxy")
	data, got, err := s.Get(ctx, key)
	require.NoError(t, err)
	assert.Equal(t, `{"v":2}`, string(data))
	assert.Equal(t, etag2, got)
	var keys []string
	require.NoError(t, s.List(ctx, name+"/", func(o objstore.Object) error {
		keys = append(keys, o.Key)
		return nil
	}))
	assert.Len(t, keys, 3)
	require.NoError(t, s.Delete(ctx, key))
	_, _, err = s.Get(ctx, key)
	require.ErrorIs(t, err, objstore.ErrNotExist)
}

func TestForwardsSignedS3Requests(t *testing.T) {
	env := newS3Env(t, 1)
	exercise(t, env.store, "clean")
	st := env.proxy.Stats()
	assert.Positive(t, st.Requests)
	assert.Equal(t, st.Requests, st.Forwarded, "no fault set, everything forwarded")
	assert.Empty(t, st.Injected)
}

func TestStoreRetriesThroughFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault faults.Fault
	}{
		{"5xx", faults.Fault{Kind: faults.Status5xx, Rate: 0.5}},
		{"500", faults.Fault{Kind: faults.Status5xx, Rate: 0.3, Status: 500}},
		{"delay", faults.Fault{Kind: faults.Delay, Rate: 0.5, Delay: 30 * time.Millisecond}},
		{"reset mid-request", faults.Fault{Kind: faults.Reset, Rate: 0.3, Methods: []string{"PUT", "GET"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newS3Env(t, 42)
			require.NoError(t, env.proxy.Set(tt.fault))
			exercise(t, env.store, "faulty")
			st := env.proxy.Stats()
			injected := st.Injected[tt.fault.Kind]
			assert.Positive(t, injected, "the fault was injected")
			assert.Len(t, st.Injected, 1)
			if tt.fault.Kind == faults.Delay {
				assert.Equal(t, st.Requests, st.Forwarded)
			} else {
				assert.Equal(t, st.Requests, st.Forwarded+injected)
			}
		})
	}
}

// TestPutIfFindsItsOwnLostSuccess resets the connection after MinIO applied
// a conditional write, so the store's retry fails the condition and the
// store must read the object back to see that its own write landed.
func TestPutIfFindsItsOwnLostSuccess(t *testing.T) {
	env := newS3Env(t, 3)
	require.NoError(t, env.proxy.Set(faults.Fault{Kind: faults.ResetResponse, Rate: 0.5, Methods: []string{"PUT"}}))
	ctx := t.Context()
	for i := range 20 {
		key := fmt.Sprintf("progress/%d.json", i)
		data := fmt.Appendf(nil, `{"round":%d}`, i)
		etag, err := env.store.PutIf(ctx, key, data, "")
		require.NoError(t, err, "key %s", key)
		got, gotTag, err := env.store.Get(ctx, key)
		require.NoError(t, err)
		assert.Equal(t, data, got)
		assert.Equal(t, etag, gotTag)
	}
	st := env.proxy.Stats()
	assert.Positive(t, st.Injected[faults.ResetResponse])
	assert.Positive(t, env.logs.count("conditional write found its own retried success"),
		"the read-back path ran")
}

func TestBlackholeFailsWithContextError(t *testing.T) {
	env := newS3Env(t, 4)
	require.NoError(t, env.proxy.Set(faults.Fault{Kind: faults.Blackhole, Rate: 1, PathPrefix: "/bkt/p/hole"}))
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := env.store.Get(ctx, "hole/k")
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Equal(t, int64(1), env.proxy.Stats().Injected[faults.Blackhole])

	// Other paths still work.
	_, err = env.store.PutIf(t.Context(), "ok", []byte("v"), "")
	require.NoError(t, err)
}

func TestTruncatedGetFails(t *testing.T) {
	env := newS3Env(t, 5)
	_, err := env.store.PutIf(t.Context(), "k", []byte("some progress record"), "")
	require.NoError(t, err)
	require.NoError(t, env.proxy.Set(faults.Fault{Kind: faults.Truncate, Rate: 1, Methods: []string{"GET"}}))
	_, _, err = env.store.Get(t.Context(), "k")
	require.Error(t, err, "a body that breaks off is an error, not short data")
	assert.Equal(t, int64(1), env.proxy.Stats().Injected[faults.Truncate])
	env.proxy.Clear()
	data, _, err := env.store.Get(t.Context(), "k")
	require.NoError(t, err)
	assert.Equal(t, "some progress record", string(data))
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
