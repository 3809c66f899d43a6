package broker

import (
	"sync"
	"testing"

	"github.com/sluicehq/sluice/testing/proc"
)

// Package is the import path of the command Build compiles.
const Package = "github.com/sluicehq/sluice/testing/cmd/kafkabroker"

var build struct {
	once sync.Once
	path string
	err  error
}

// Build compiles the kafkabroker command, once per test process, and returns
// the binary's path. It fails the test if the build fails.
//
// The binary goes to <os.UserCacheDir()>/sluice/bin/kafkabroker-<sha256>,
// named by its content: test processes that build at the same time share
// Go's build cache (which serialises the compile) and each moves its result
// into place with an atomic rename, so none sees a partial binary and no
// extra lock is needed.
func Build(t testing.TB) string {
	t.Helper()
	build.once.Do(func() { build.path, build.err = compile() })
	if build.err != nil {
		t.Fatalf("building kafkabroker: %v", build.err)
	}
	return build.path
}

// compile runs go build into the cache directory.
func compile() (string, error) { return proc.BuildGo(Package, "kafkabroker") }
