package cli

import (
	"log/slog"
	"math"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The configured limit reaches the runtime unless GOMEMLIMIT is set or the
// limit is 0. Not parallel: the limit is process-wide.
func TestApplyMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	logger := slog.New(slog.DiscardHandler)

	t.Setenv("GOMEMLIMIT", "")
	debug.SetMemoryLimit(math.MaxInt64)
	applyMemoryLimit(300<<20, logger)
	assert.Equal(t, int64(300<<20), debug.SetMemoryLimit(-1), "configured limit")

	debug.SetMemoryLimit(math.MaxInt64)
	applyMemoryLimit(0, logger)
	assert.Equal(t, int64(math.MaxInt64), debug.SetMemoryLimit(-1), "0 leaves the runtime alone")

	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetMemoryLimit(1 << 30) // what the runtime read from the environment
	applyMemoryLimit(300<<20, logger)
	assert.Equal(t, int64(1<<30), debug.SetMemoryLimit(-1), "GOMEMLIMIT wins")
}
