package proc

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOutputKeepsTheTail(t *testing.T) {
	tests := []struct {
		name   string
		writes []int // sizes of the writes, each of its own byte
		want   int   // bytes kept
	}{
		{"nothing", nil, 0},
		{"small", []int{10, 20}, 30},
		{"exactly the cap", []int{maxOutput}, maxOutput},
		{"one write past the cap", []int{maxOutput + 5}, maxOutput},
		{"many writes past the cap", []int{maxOutput / 2, maxOutput / 2, 100}, maxOutput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o Output
			var all bytes.Buffer
			for i, n := range tt.writes {
				p := bytes.Repeat([]byte{byte('a' + i)}, n)
				got, err := o.Write(p)
				require.NoError(t, err)
				require.Equal(t, n, got)
				all.Write(p)
			}
			kept := o.String()
			assert.Len(t, kept, tt.want)
			assert.True(t, strings.HasSuffix(all.String(), kept), "keeps the last bytes written")
		})
	}
}

func TestOutputIsSafeForConcurrentWrites(t *testing.T) {
	var o Output
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				_, _ = o.Write([]byte("line\n"))
				_ = o.String()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 400, strings.Count(o.String(), "line\n"))
}

func TestFreeAddrs(t *testing.T) {
	addrs, err := FreeAddrs(5)
	require.NoError(t, err)
	require.Len(t, addrs, 5)
	seen := map[string]bool{}
	for _, a := range addrs {
		assert.True(t, strings.HasPrefix(a, "127.0.0.1:"), a)
		assert.False(t, seen[a], "%s handed out twice", a)
		seen[a] = true
		l, err := net.Listen("tcp", a)
		require.NoError(t, err, "%s is free again", a)
		require.NoError(t, l.Close())
	}
	_, err = FreeAddrs(-1)
	require.Error(t, err)
}

// cacheIn points os.UserCacheDir at a fresh directory and returns the
// BinDir below it.
func cacheIn(t *testing.T) string {
	t.Helper()
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache) // Unix
	t.Setenv("LocalAppData", cache)   // Windows
	t.Setenv("HOME", cache)           // macOS: ~/Library/Caches
	dir, err := BinDir()
	require.NoError(t, err)
	return dir
}

// writeBinary is a Build that writes a small file at bin.
func writeBinary(_, bin string) error { return os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755) }

func TestToolHonoursEnv(t *testing.T) {
	cacheIn(t)
	bin := filepath.Join(t.TempDir(), "given")
	require.NoError(t, writeBinary("", bin))
	tool := Tool{Name: "Thing", File: "thing", Env: "SLUICE_TEST_THING_BIN", Build: func(string, string) error {
		t.Error("Build must not run when the environment names a binary")
		return nil
	}}

	t.Setenv(tool.Env, bin)
	got, err := tool.Path()
	require.NoError(t, err)
	assert.Equal(t, bin, got)

	t.Setenv(tool.Env, bin+"-missing")
	_, err = tool.Path()
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.ErrorContains(t, err, "$SLUICE_TEST_THING_BIN")
}

func TestToolBuildsOnceIntoTheCache(t *testing.T) {
	dir := cacheIn(t)
	var builds atomic.Int32
	tool := Tool{Name: "Thing", File: "thing", Env: "SLUICE_TEST_THING_BIN", Build: func(d, bin string) error {
		builds.Add(1)
		assert.Equal(t, dir, d)
		time.Sleep(100 * time.Millisecond) // let the others queue on the lock
		return writeBinary(d, bin)
	}}
	t.Setenv(tool.Env, "")
	const callers = 4
	paths := make([]string, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			p, err := tool.Path()
			assert.NoError(t, err)
			paths[i] = p
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), builds.Load(), "parallel callers build once")
	for _, p := range paths {
		assert.Equal(t, filepath.Dir(p), dir)
		assert.True(t, strings.HasPrefix(filepath.Base(p), "thing"), p)
	}
	_, err := tool.Path()
	require.NoError(t, err)
	assert.Equal(t, int32(1), builds.Load(), "a cached binary is not built again")
}

func TestToolBuildErrors(t *testing.T) {
	errBroken := errors.New("broken toolchain")
	tests := []struct {
		name  string
		build func(dir, bin string) error
		want  error
	}{
		{"build fails", func(string, string) error { return errBroken }, errBroken},
		{"no build", nil, errNoBuild},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cacheIn(t)
			tool := Tool{Name: "Thing", File: "thing", Env: "SLUICE_TEST_THING_BIN", Build: tt.build}
			t.Setenv(tool.Env, "")
			_, err := tool.Path()
			require.ErrorIs(t, err, tt.want)
			assert.ErrorContains(t, err, "building Thing")
		})
	}
}

func TestToolRequireSkipsOutsideCI(t *testing.T) {
	cacheIn(t)
	tool := Tool{Name: "Thing", File: "thing", Env: "SLUICE_TEST_THING_BIN"}
	t.Setenv(tool.Env, "")
	t.Setenv("CI", "")
	skipped := false
	t.Run("require", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		tool.Require(t)
		t.Error("Require returned without a binary")
	})
	assert.True(t, skipped)
}

// child returns a command that runs this test binary as the given child.
func child(t *testing.T, kind string, args ...string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), childEnv+"="+kind)
	return cmd
}

func TestStartRunsAndStops(t *testing.T) {
	var addrs []string
	t.Run("server", func(t *testing.T) {
		addrs = Start(t, Server{
			Name:  "test server",
			Ports: 2,
			Command: func(dir string, addrs []string) (*exec.Cmd, error) {
				assert.DirExists(t, dir)
				return child(t, "serve", addrs[0]), nil
			},
			ReadyURL: func(addrs []string) string { return "http://" + addrs[0] + "/ready" },
		})
		require.Len(t, addrs, 2)
		resp, err := http.Get("http://" + addrs[0] + "/ready") //nolint:noctx // test probe
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, "ready when Start returns")
	})
	_, err := net.DialTimeout("tcp", addrs[0], time.Second)
	require.Error(t, err, "the server is stopped when its test ends")
}

func TestStartReportsAnEarlyExit(t *testing.T) {
	_, err := start(t, Server{
		Name:     "test server",
		Ports:    1,
		Command:  func(string, []string) (*exec.Cmd, error) { return child(t, "exit"), nil },
		ReadyURL: func(addrs []string) string { return "http://" + addrs[0] + "/ready" },
	})
	require.ErrorContains(t, err, "test server exited before it was ready")
	assert.ErrorContains(t, err, "giving up at once", "the error holds the output")
}

func TestStartReportsACommandError(t *testing.T) {
	errNoConfig := errors.New("no config")
	_, err := start(t, Server{
		Name:     "test server",
		Ports:    1,
		Command:  func(string, []string) (*exec.Cmd, error) { return nil, errNoConfig },
		ReadyURL: func(addrs []string) string { return "http://" + addrs[0] },
	})
	require.ErrorIs(t, err, errNoConfig)
}
