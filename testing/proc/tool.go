package proc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Tool is an external program tests run, found through an environment
// variable or built once into the user cache.
type Tool struct {
	// Name names the program in messages ("MinIO").
	Name string
	// File is the binary's file name in BinDir, without ".exe".
	File string
	// Env names the environment variable that, when set, points at a
	// binary to use as is.
	Env string
	// Build builds the binary at bin, a path in dir (BinDir). Path calls
	// it holding a file lock, so test processes running in parallel build
	// once; it should create bin whole (go install, or a rename), so that
	// no process sees a partial binary.
	Build func(dir, bin string) error
}

// BinDir returns the directory that holds the binaries tests build,
// <os.UserCacheDir()>/sluice/bin, creating it if needed.
func BinDir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache directory: %w", err)
	}
	dir := filepath.Join(cache, "sluice", "bin")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating %s: %w", dir, err)
	}
	return dir, nil
}

// Path finds the binary: $Env, else BinDir()/File. If the cached binary is
// missing it builds it there with Build, under a file lock.
func (tl Tool) Path() (string, error) {
	if p := os.Getenv(tl.Env); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("finding %s from $%s: %w", tl.Name, tl.Env, err)
		}
		return p, nil
	}
	dir, err := BinDir()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, tl.File)
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	unlock, err := lockPath(filepath.Join(dir, "."+tl.File+".lock"))
	if err != nil {
		return "", fmt.Errorf("locking the %s build: %w", tl.Name, err)
	}
	defer unlock()
	// Another process may have built it while we waited for the lock.
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("finding %s: %w", tl.Name, err)
	}
	if tl.Build == nil {
		return "", fmt.Errorf("building %s: %w", tl.Name, errNoBuild)
	}
	if err := tl.Build(dir, bin); err != nil {
		return "", fmt.Errorf("building %s: %w", tl.Name, err)
	}
	return bin, nil
}

// errNoBuild is Path's error for a Tool without a Build function.
var errNoBuild = errors.New("no way to build it")

// Require returns Path. If the binary cannot be found or built, it skips
// the test, unless $CI is set: then it fails the test.
func (tl Tool) Require(t testing.TB) string {
	t.Helper()
	bin, err := tl.Path()
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%s is not available (set $%s or allow building it): %v", tl.Name, tl.Env, err)
		}
		t.Fatalf("%s is required when CI is set: %v", tl.Name, err)
	}
	return bin
}

// Lock takes an exclusive lock on the file at path (created if missing),
// waiting for other test processes that hold it, and returns its release:
// for one-time set-ups shared by parallel test binaries (an npm install).
// It does not lock on systems without flock.
func Lock(path string) (unlock func(), err error) { return lockPath(path) }
