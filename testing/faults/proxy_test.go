package faults_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/sluicehq/sluice/testing/faults"
)

// start starts a proxy in front of target and closes it in cleanup.
func start(t *testing.T, target string, opts ...faults.Option) *faults.Proxy {
	t.Helper()
	p, err := faults.NewProxy(target, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, p.Close()) })
	return p
}

// statusSequence sends n GETs through p and returns their statuses.
func statusSequence(t *testing.T, p *faults.Proxy, n int) []int {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	var out []int
	for range n {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, p.URL()+"/bkt/k", nil)
		require.NoError(t, err)
		resp, err := client.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		out = append(out, resp.StatusCode)
	}
	return out
}

func TestSameSeedSameFaults(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer target.Close()
	fault := faults.Fault{Kind: faults.Status5xx, Rate: 0.5}

	seqs := make([][]int, 3)
	for i, seed := range []uint64{7, 7, 8} {
		p, err := faults.NewProxy(target.URL, faults.WithSeed(seed))
		require.NoError(t, err)
		require.NoError(t, p.Set(fault))
		seqs[i] = statusSequence(t, p, 64)
		st := p.Stats()
		require.NoError(t, p.Close())
		var injected int64
		for _, s := range seqs[i] {
			if s == http.StatusServiceUnavailable {
				injected++
			}
		}
		assert.Equal(t, injected, st.Injected[faults.Status5xx])
		assert.Equal(t, int64(64), st.Requests)
		assert.Equal(t, 64-injected, st.Forwarded)
		assert.InDelta(t, 32, injected, 16, "rate 0.5")
	}
	assert.Equal(t, seqs[0], seqs[1], "same seed, same faults")
	assert.NotEqual(t, seqs[0], seqs[2], "another seed, other faults")
}

func TestFaultsMatchMethodAndPath(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer target.Close()
	p := start(t, target.URL)
	tests := []struct {
		name  string
		fault faults.Fault
		want  int
	}{
		{"every request", faults.Fault{Kind: faults.Status5xx, Rate: 1}, 503},
		{"status", faults.Fault{Kind: faults.Status5xx, Rate: 1, Status: 500}, 500},
		{"method matches", faults.Fault{Kind: faults.Status5xx, Rate: 1, Methods: []string{"get"}}, 503},
		{"method does not", faults.Fault{Kind: faults.Status5xx, Rate: 1, Methods: []string{"PUT"}}, 200},
		{"path matches", faults.Fault{Kind: faults.Status5xx, Rate: 1, PathPrefix: "/bkt/"}, 503},
		{"path does not", faults.Fault{Kind: faults.Status5xx, Rate: 1, PathPrefix: "/other/"}, 200},
		{"rate 0", faults.Fault{Kind: faults.Status5xx, Rate: 0}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, p.Set(tt.fault))
			assert.Equal(t, []int{tt.want}, statusSequence(t, p, 1))
		})
	}
	p.Clear()
	assert.Equal(t, []int{200}, statusSequence(t, p, 1))
}

func TestSetRejectsInvalidFaults(t *testing.T) {
	p := start(t, "http://127.0.0.1:1")
	tests := []struct {
		name  string
		fault faults.Fault
		msg   string
	}{
		{"kind", faults.Fault{Rate: 1}, "faults[0]: kind"},
		{"rate", faults.Fault{Kind: faults.Delay, Rate: 1.5}, "rate: 1.5"},
		{"delay", faults.Fault{Kind: faults.Delay, Rate: 1, Delay: -time.Second}, "delay"},
		{"status", faults.Fault{Kind: faults.Status5xx, Rate: 1, Status: 404}, "status: 404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.Set(tt.fault)
			require.ErrorIs(t, err, faults.ErrInvalidFault)
			assert.ErrorContains(t, err, tt.msg)
		})
	}
}

func TestParseKind(t *testing.T) {
	for _, k := range []faults.Kind{faults.Status5xx, faults.Delay, faults.Reset, faults.ResetResponse, faults.Blackhole, faults.Truncate} {
		got, err := faults.ParseKind(k.String())
		require.NoError(t, err)
		assert.Equal(t, k, got)
	}
	_, err := faults.ParseKind("meteor")
	require.ErrorIs(t, err, faults.ErrUnknownKind)
}

func TestCloseEndsBlackholedRequests(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer target.Close()
	p, err := faults.NewProxy(target.URL)
	require.NoError(t, err)
	require.NoError(t, p.Set(faults.Fault{Kind: faults.Blackhole, Rate: 1}))
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, p.URL()+"/x", nil)
		resp, err := client.Do(req)
		if err == nil {
			_ = resp.Body.Close()
		}
		errc <- err
	}()
	require.Eventually(t, func() bool { return p.Stats().Injected[faults.Blackhole] == 1 }, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, p.Close())
	require.Error(t, <-errc, "the blackholed request fails when the proxy closes")
	require.NoError(t, p.Close(), "Close is idempotent")
}

func TestTruncateCutsTheBody(t *testing.T) {
	body := strings.Repeat("x", 100)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/empty" {
			return
		}
		w.Header().Set("ETag", `"abc"`)
		_, _ = io.WriteString(w, body)
	}))
	defer target.Close()
	p := start(t, target.URL)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	get := func(path string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, p.URL()+path, nil)
		require.NoError(t, err)
		return client.Do(req)
	}

	resp, err := get("/obj")
	require.NoError(t, err)
	got, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.NoError(t, err, "no fault yet")
	assert.Equal(t, body, string(got))

	require.NoError(t, p.Set(faults.Fault{Kind: faults.Truncate, Rate: 1}))
	resp, err = get("/obj")
	require.NoError(t, err, "the head arrives")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, `"abc"`, resp.Header.Get("ETag"))
	assert.Equal(t, int64(100), resp.ContentLength)
	got, err = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.Error(t, err, "the body breaks off")
	assert.Equal(t, body[:50], string(got))

	_, err = get("/empty")
	require.Error(t, err, "no body: reset before the head")
	st := p.Stats()
	assert.Equal(t, int64(2), st.Injected[faults.Truncate])
	assert.Equal(t, int64(3), st.Forwarded)
}
