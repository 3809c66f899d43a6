package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunWritesProfiles checks the hidden --cpuprofile, --memprofile and
// --trace flags write pprof profiles and an execution trace, also when the
// run fails.
func TestRunWritesProfiles(t *testing.T) {
	file, _ := runConfig(t, []string{closedPort(t)}, "events", "{}")
	dir := t.TempDir()
	cpu, heap := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "heap.pprof")
	tr := filepath.Join(dir, "run.trace")
	r := sluice(t, 60*time.Second, "run", "-c", file, "--cpuprofile", cpu, "--memprofile", heap, "--trace", tr)
	require.Equal(t, 1, r.code, "the broker is unreachable; stderr:\n%s", r.stderr)
	for _, path := range []string{cpu, heap} {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		// A pprof profile is a gzipped protocol buffer.
		require.Greater(t, len(b), 2, path)
		assert.Equal(t, []byte{0x1f, 0x8b}, b[:2], "%s is gzipped", path)
	}
	b, err := os.ReadFile(tr)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(b), "go 1."), "an execution trace starts with its version header")
	help := sluice(t, 10*time.Second, "run", "--help")
	assert.NotContains(t, help.stdout, "cpuprofile", "the flags are hidden")
	assert.NotContains(t, help.stdout, "trace", "the flags are hidden")
}
