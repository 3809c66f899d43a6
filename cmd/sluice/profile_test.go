package main_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunWritesProfiles checks the hidden --cpuprofile and --memprofile
// flags write pprof profiles, also when the run fails.
func TestRunWritesProfiles(t *testing.T) {
	file, _ := runConfig(t, []string{closedPort(t)}, "events", "{}")
	dir := t.TempDir()
	cpu, heap := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "heap.pprof")
	r := sluice(t, 60*time.Second, "run", "-c", file, "--cpuprofile", cpu, "--memprofile", heap)
	require.Equal(t, 1, r.code, "the broker is unreachable; stderr:\n%s", r.stderr)
	for _, path := range []string{cpu, heap} {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		// A pprof profile is a gzipped protocol buffer.
		require.Greater(t, len(b), 2, path)
		assert.Equal(t, []byte{0x1f, 0x8b}, b[:2], "%s is gzipped", path)
	}
	help := sluice(t, 10*time.Second, "run", "--help")
	assert.NotContains(t, help.stdout, "cpuprofile", "the flags are hidden")
}
