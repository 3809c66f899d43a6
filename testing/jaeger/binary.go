package jaeger

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/sluicehq/sluice/testing/proc"
)

// Module is the Jaeger version Binary builds (Jaeger v2: the binary built
// from ./cmd/jaeger of this module is the OpenTelemetry-Collector-based one).
const Module = "github.com/jaegertracing/jaeger@v1.76.0"

// EnvBinary names the environment variable that points at a Jaeger v2
// binary, which Binary then uses as is.
const EnvBinary = "SLUICE_JAEGER_BIN"

// tool finds or builds Jaeger.
var tool = proc.Tool{Name: "Jaeger", File: "jaeger", Env: EnvBinary, Build: build}

// Binary finds the Jaeger v2 binary: $SLUICE_JAEGER_BIN, else
// <os.UserCacheDir()>/sluice/bin/jaeger. If the cached binary is missing it
// builds it there (about four minutes on two cores), holding a file lock so
// that test binaries running in parallel build it once.
//
// "go install" refuses Jaeger's module because its go.mod has a replace
// directive, so Binary downloads the module, copies it out of the read-only
// module cache and runs "go build ./cmd/jaeger" in the copy.
func Binary() (string, error) { return tool.Path() }

// build downloads Module, copies it into a scratch directory under dir,
// builds ./cmd/jaeger there and renames the result to bin.
func build(dir, bin string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("finding the go command: %w", err)
	}
	scratch, err := os.MkdirTemp(dir, "jaeger-build-")
	if err != nil {
		return fmt.Errorf("creating a build directory: %w", err)
	}
	defer func() { _ = os.RemoveAll(scratch) }()
	env := append(os.Environ(), "GOFLAGS=-buildvcs=false", "GOWORK=off")

	// Download outside any module, so no go.mod or go.sum is touched.
	download := exec.Command(goBin, "mod", "download", "-json", Module)
	download.Dir, download.Env = scratch, env
	out, err := download.Output()
	if err != nil {
		return fmt.Errorf("downloading %s: %w\n%s", Module, err, stderrOf(err))
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out, &mod); err != nil {
		return fmt.Errorf("reading go mod download output: %w", err)
	}
	if mod.Error != "" || mod.Dir == "" {
		return fmt.Errorf("downloading %s: %s", Module, mod.Error)
	}
	src := filepath.Join(scratch, "src")
	// CopyFS creates files writable by us, unlike the module cache's.
	if err := os.CopyFS(src, os.DirFS(mod.Dir)); err != nil {
		return fmt.Errorf("copying %s: %w", mod.Dir, err)
	}
	tmpBin := filepath.Join(scratch, filepath.Base(bin))
	compile := exec.Command(goBin, "build", "-o", tmpBin, "./cmd/jaeger")
	compile.Dir, compile.Env = src, env
	if out, err := compile.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/jaeger: %w\n%s", err, out)
	}
	if err := os.Rename(tmpBin, bin); err != nil {
		return fmt.Errorf("installing the binary: %w", err)
	}
	return nil
}

// stderrOf returns what a failed command wrote to stderr, if it was captured.
func stderrOf(err error) []byte {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.Stderr
	}
	return nil
}
