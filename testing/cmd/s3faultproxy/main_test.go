package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/testing/faults"
)

func TestRunServesProxyAndAdmin(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer target.Close()
	ready := filepath.Join(t.TempDir(), "ready.json")
	ctx, cancel := context.WithCancel(t.Context())
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"-target", target.URL, "-seed", "9", "-ready-file", ready}, io.Discard)
	}()

	var r Ready
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(ready)
		return err == nil && json.Unmarshal(b, &r) == nil
	}, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, uint64(9), r.Seed)

	c := faults.NewClient(r.AdminURL, nil)
	require.NoError(t, c.Set(t.Context(), faults.Fault{Kind: faults.Status5xx, Rate: 1}))
	resp, err := http.Get(r.URL + "/bkt/k") //nolint:noctx // test probe
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	st, err := c.Stats(t.Context())
	require.NoError(t, err)
	assert.Equal(t, int64(1), st.Injected[faults.Status5xx])

	cancel()
	assert.Equal(t, exitOK, <-code)
}

func TestRunRejectsBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"no target", nil},
		{"bad target", []string{"-target", "ftp://x"}},
		{"stray argument", []string{"-target", "http://127.0.0.1:1", "extra"}},
		{"unknown flag", []string{"-nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, exitUsage, run(t.Context(), tt.args, io.Discard))
		})
	}
}
