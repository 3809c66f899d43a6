//go:build chaos

package chaos

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

var (
	seedFlag     = flag.Uint64("chaos.seed", 1, "seed of the chaos scheduler, the fault proxy and the crash hook")
	durationFlag = flag.Duration("chaos.duration", 90*time.Second, "how long the scheduler injects chaos")
	rateFlag     = flag.Int("chaos.rate", 300, "records produced per second")
	// requireKindsFlag makes the run fail unless every kind of chaos
	// happened and it did at least minActions actions (CI sets it).
	// logDirFlag names a directory to copy the processes' logs to.
	logDirFlag       = flag.String("chaos.logdir", "", "copy every process's stderr and the broker's output to this directory at the end")
	requireKindsFlag = flag.Bool("chaos.require-kinds", false, "fail unless every kind of chaos happened (and at least 30 actions)")
	// minFaultsFlag makes the run fail if it injected fewer faults (the
	// fault_events of its result line); the one-hour profile sets 1000.
	minFaultsFlag = flag.Int("chaos.min-faults", 0, "fail unless the run injected at least this many faults")
	// secureFlag runs the broker with TLS and a SCRAM-SHA-512 user, and
	// every client (sluice, the producer, the checks) with both.
	secureFlag = flag.Bool("chaos.secure", false, "run against a broker speaking TLS only, with a SCRAM-SHA-512 user")
	// filterFlag configures a filter stage dropping one event in ten: the
	// checks then want every other offset stored exactly once, the dropped
	// ones never, and sluice verify to report them as filtered.
	filterFlag = flag.Bool("chaos.filter", false, "run a filter stage that drops one event in ten")
	// typedFlag types the topic by a declared schema: typed Parquet
	// columns, with the raw value kept in _value for the checks.
	typedFlag = flag.Bool("chaos.typed", false, "type the topic by a declared schema (typed Parquet columns)")
)

// binary is the sluice binary TestMain builds.
var binary string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "sluice-chaos-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "sluice")
	build := exec.Command("go", "build", "-o", binary, "github.com/sluicehq/sluice/cmd/sluice")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building sluice: %v\n", err)
		return 1
	}
	return m.Run()
}
