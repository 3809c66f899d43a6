package health_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/pipeline/health"
)

// get fetches url and decodes its report.
func get(t *testing.T, url string) (int, health.Report) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var rep health.Report
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&rep))
	return resp.StatusCode, rep
}

func TestServerReportsChecks(t *testing.T) {
	var joined atomic.Bool
	ok := func(context.Context) error { return nil }
	kafka := func(context.Context) error {
		if !joined.Load() {
			return errors.New("not joined")
		}
		return nil
	}
	hung := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	var slow atomic.Bool
	store := func(ctx context.Context) error {
		if slow.Load() {
			return hung(ctx)
		}
		return nil
	}
	s := health.New(health.Config{Listen: "127.0.0.1:0"}, health.Settings{
		Live:    []health.Check{{Name: "routers", Func: ok}},
		Ready:   []health.Check{{Name: "kafka", Func: kafka}, {Name: "store", Func: store}},
		Timeout: 200 * time.Millisecond,
	})
	require.NoError(t, s.Start())
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	require.ErrorIs(t, s.Start(), health.ErrStarted)
	base := "http://" + s.Addr()

	code, rep := get(t, base+health.LivePath)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, health.Report{Status: "ok", Checks: []health.Result{{Name: "routers", OK: true}}}, rep)

	code, rep = get(t, base+health.ReadyPath)
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, health.Report{Status: "fail", Checks: []health.Result{
		{Name: "kafka", Error: "not joined"}, {Name: "store", OK: true}}}, rep)

	joined.Store(true)
	code, rep = get(t, base+health.ReadyPath)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ok", rep.Status)

	// A hung check fails at the timeout instead of hanging the probe.
	slow.Store(true)
	start := time.Now()
	code, rep = get(t, base+health.ReadyPath)
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, []health.Result{{Name: "kafka", OK: true}, {Name: "store", Error: "context deadline exceeded"}}, rep.Checks)

	resp, err := http.Post(base+health.ReadyPath, "text/plain", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	resp, err = http.Get(base + "/other")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestServerLifecycle(t *testing.T) {
	// Shutdown is safe without Start, and a server without an address
	// starts nothing.
	require.NoError(t, health.New(health.Config{}, health.Settings{}).Shutdown(t.Context()))
	off := health.New(health.Config{}, health.Settings{})
	require.NoError(t, off.Start())
	assert.Empty(t, off.Addr())
	require.NoError(t, off.Shutdown(t.Context()))

	s := health.New(health.Config{Listen: "127.0.0.1:0"}, health.Settings{})
	require.NoError(t, s.Start())
	addr := s.Addr()
	// The address is taken: a second server says so.
	taken := health.New(health.Config{Listen: addr}, health.Settings{})
	err := taken.Start()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "listening for health probes on "+addr)

	require.NoError(t, s.Shutdown(t.Context()))
	require.NoError(t, s.Shutdown(t.Context()))
	assert.Empty(t, s.Addr())
	_, err = http.Get("http://" + addr + health.LivePath)
	require.Error(t, err, "the server still answers after Shutdown")
}

func TestConfigValidate(t *testing.T) {
	for _, tt := range []struct {
		listen string
		want   string
	}{
		{"", ""},
		{":8080", ""},
		{"0.0.0.0:9464", ""},
		{"[::1]:80", ""},
		{"8080", `listen: invalid address "8080": want host:port or :port`},
		{":http", `listen: invalid port "http" in ":http": want a number from 0 to 65535`},
		{":70000", `listen: invalid port "70000" in ":70000": want a number from 0 to 65535`},
	} {
		err := health.Config{Listen: tt.listen}.Validate()
		if tt.want == "" {
			assert.NoError(t, err, tt.listen)
		} else {
			assert.EqualError(t, err, tt.want, tt.listen)
		}
	}
}
