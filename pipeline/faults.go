package pipeline

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"syscall"

	"github.com/ThreeDotsLabs/watermill/message"
)

// EnvCrashBeforeCommit names the test-only fault hook: set to a probability
// in (0, 1], the process kills itself with SIGKILL, with that probability,
// when a round's files are all stored and its commit is about to be written:
// the crash window the exactly-once protocol must survive. The chaos suite
// sets it; nothing else should. EnvFaultSeed seeds the dice.
const (
	EnvCrashBeforeCommit = "SLUICE_TEST_CRASH_BEFORE_COMMIT"
	EnvFaultSeed         = "SLUICE_TEST_FAULT_SEED"
)

// crashBeforeCommit returns the commit handler middleware for the hook, or
// nil when the hook is off. A malformed value is an error.
func crashBeforeCommit() (message.HandlerMiddleware, error) {
	raw := os.Getenv(EnvCrashBeforeCommit)
	if raw == "" {
		return nil, nil
	}
	p, err := strconv.ParseFloat(raw, 64)
	if err != nil || p <= 0 || p > 1 {
		return nil, fmt.Errorf("%s=%q: want a probability in (0, 1]", EnvCrashBeforeCommit, raw)
	}
	seed, _ := strconv.ParseUint(os.Getenv(EnvFaultSeed), 10, 64)
	var (
		mu  sync.Mutex
		rnd = rand.New(rand.NewPCG(seed, uint64(os.Getpid())))
	)
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			mu.Lock()
			hit := rnd.Float64() < p
			mu.Unlock()
			if hit {
				fmt.Fprintf(os.Stderr, "sluice: %s: killing this process before committing round %s\n",
					EnvCrashBeforeCommit, msg.UUID)
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			}
			return h(msg)
		}
	}, nil
}
