package main

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStdinClose: the URL is the first line of stdout, the registry
// answers there, and closing stdin ends the process.
func TestStdinClose(t *testing.T) {
	stdinR, stdinW := io.Pipe()
	stdoutR, stdoutW := io.Pipe()
	done := make(chan int, 1)
	go func() { done <- run([]string{"-exit-on-stdin-close"}, stdinR, stdoutW, io.Discard) }()
	line, err := bufio.NewReader(stdoutR).ReadString('\n')
	require.NoError(t, err)
	u := strings.TrimSpace(line)
	require.True(t, strings.HasPrefix(u, "http://127.0.0.1:"), u)
	resp, err := http.Get(u + "/subjects")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	require.NoError(t, stdinW.Close())
	select {
	case code := <-done:
		assert.Equal(t, exitOK, code)
	case <-time.After(10 * time.Second):
		t.Fatal("still running after stdin closed")
	}
}

func TestUsage(t *testing.T) {
	assert.Equal(t, exitUsage, run([]string{"extra"}, nil, io.Discard, io.Discard))
	assert.Equal(t, exitUsage, run([]string{"-nope"}, nil, io.Discard, io.Discard))
}
