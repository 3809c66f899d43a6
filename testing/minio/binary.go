package minio

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Module is the MinIO version Binary builds.
const Module = "github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c"

// EnvBinary names the environment variable that points at a MinIO binary,
// which Binary then uses as is.
const EnvBinary = "SLUICE_MINIO_BIN"

// Binary finds the MinIO binary: $SLUICE_MINIO_BIN, else
// <os.UserCacheDir()>/sluice/bin/minio. If the cached binary is missing it
// builds it there with "go install" (a few minutes), holding a file lock so
// that test binaries running in parallel build it once.
func Binary() (string, error) {
	if p := os.Getenv(EnvBinary); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("finding MinIO from $%s: %w", EnvBinary, err)
		}
		return p, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache directory: %w", err)
	}
	dir := filepath.Join(cache, "sluice", "bin")
	bin := filepath.Join(dir, "minio")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating %s: %w", dir, err)
	}
	unlock, err := lockPath(filepath.Join(dir, ".minio.lock"))
	if err != nil {
		return "", fmt.Errorf("locking the MinIO build: %w", err)
	}
	defer unlock()
	// Another process may have built it while we waited for the lock.
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("finding MinIO: %w", err)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("building MinIO: no go command: %w", err)
	}
	cmd := exec.Command(goBin, "install", Module)
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building MinIO (go install %s): %w\n%s", Module, err, out)
	}
	return bin, nil
}
