package cli

import (
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/sluicehq/sluice/conf"
)

// applyMemoryLimit hands the configured memory_limit to the Go runtime,
// unless GOMEMLIMIT is set (the runtime has then read it already) or the
// limit is 0.
func applyMemoryLimit(limit conf.ByteSize, logger *slog.Logger) {
	if env := os.Getenv("GOMEMLIMIT"); env != "" {
		logger.Debug("memory limit from the environment", "GOMEMLIMIT", env)
		return
	}
	if limit <= 0 {
		return
	}
	debug.SetMemoryLimit(int64(limit))
	logger.Debug("memory limit", "limit", limit.String())
}
