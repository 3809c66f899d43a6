package jaeger

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Module is the Jaeger version Binary builds (Jaeger v2: the binary built
// from ./cmd/jaeger of this module is the OpenTelemetry-Collector-based one).
const Module = "github.com/jaegertracing/jaeger@v1.76.0"

// EnvBinary names the environment variable that points at a Jaeger v2
// binary, which Binary then uses as is.
const EnvBinary = "SLUICE_JAEGER_BIN"

// Binary finds the Jaeger v2 binary: $SLUICE_JAEGER_BIN, else
// <os.UserCacheDir()>/sluice/bin/jaeger. If the cached binary is missing it
// builds it there (about four minutes on two cores), holding a file lock so
// that test binaries running in parallel build it once.
//
// "go install" refuses Jaeger's module because its go.mod has a replace
// directive, so Binary downloads the module, copies it out of the read-only
// module cache and runs "go build ./cmd/jaeger" in the copy.
func Binary() (string, error) {
	if p := os.Getenv(EnvBinary); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("finding Jaeger from $%s: %w", EnvBinary, err)
		}
		return p, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache directory: %w", err)
	}
	dir := filepath.Join(cache, "sluice", "bin")
	bin := filepath.Join(dir, "jaeger")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating %s: %w", dir, err)
	}
	unlock, err := lockPath(filepath.Join(dir, ".jaeger.lock"))
	if err != nil {
		return "", fmt.Errorf("locking the Jaeger build: %w", err)
	}
	defer unlock()
	// Another process may have built it while we waited for the lock.
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("finding Jaeger: %w", err)
	}
	if err := build(dir, bin); err != nil {
		return "", fmt.Errorf("building Jaeger (%s): %w", Module, err)
	}
	return bin, nil
}

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
		return fmt.Errorf("downloading: %w\n%s", err, stderrOf(err))
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out, &mod); err != nil {
		return fmt.Errorf("reading go mod download output: %w", err)
	}
	if mod.Error != "" || mod.Dir == "" {
		return fmt.Errorf("downloading: %s", mod.Error)
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
