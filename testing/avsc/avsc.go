package avsc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// InstallCommand is the command that installs what Read needs, run from
// the repository root.
const InstallCommand = "npm ci --prefix testing/avsc"

// readTimeout bounds one read, node's start-up included.
const readTimeout = 2 * time.Minute

// ErrUnavailable is returned (wrapped) by Available when node or the npm
// packages are missing.
var ErrUnavailable = errors.New("avsc is not available")

// File is what avsc read from an Avro object container file.
type File struct {
	// Schema is the writer schema of the file's header.
	Schema json.RawMessage `json:"schema"`
	// Codec is the header's avro.codec ("null", "deflate", ...).
	Codec string `json:"codec"`
	// Meta is the rest of the header's metadata, as UTF-8 text.
	Meta map[string]string `json:"meta"`
	// Records are the file's records, decoded by encoding/json from
	// avsc's values: longs are decimal strings (no precision lost), bytes
	// and fixed are {"$bytes": "<base64>"}, ints and doubles float64,
	// logical types their underlying values, nulls nil.
	Records []map[string]any `json:"records"`
}

// dir is the directory of this source file: read.mjs and node_modules.
func dir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("%w: cannot locate the testing/avsc directory", ErrUnavailable)
	}
	return filepath.Dir(file), nil
}

// installed reports whether the packages are in node_modules.
func installed(d string) bool {
	for _, pkg := range []string{"avsc", "fzstd", "snappyjs"} {
		if _, err := os.Stat(filepath.Join(d, "node_modules", pkg, "package.json")); err != nil {
			return false
		}
	}
	return true
}

// Available reports whether Read can run: nil when node is on PATH and the
// packages are installed (it installs them once, under a lock, when npm is
// there), else an error wrapping ErrUnavailable that says what is missing.
func Available() error {
	if _, err := exec.LookPath("node"); err != nil {
		return fmt.Errorf("%w: node is not on PATH (install Node.js 20 or newer)", ErrUnavailable)
	}
	d, err := dir()
	if err != nil {
		return err
	}
	if installed(d) {
		return nil
	}
	if err := install(d); err != nil {
		return fmt.Errorf("%w: the npm packages are not installed and %q failed: %v", ErrUnavailable, InstallCommand, err)
	}
	return nil
}

// install runs `npm ci` in d under an exclusive lock, unless another test
// process installed the packages meanwhile.
func install(d string) error {
	if _, err := exec.LookPath("npm"); err != nil {
		return errors.New("npm is not on PATH")
	}
	f, err := os.OpenFile(filepath.Join(d, ".install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	defer func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }()
	if installed(d) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = d
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// Read reads the Avro object container file at path with avsc. When avsc
// is unavailable it skips the test if the CI environment variable is
// unset, and fails it otherwise. A file avsc cannot read fails the test.
func Read(t testing.TB, path string) File {
	t.Helper()
	f, err := ReadErr(t, path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// ReadErr is Read returning avsc's error (a file it cannot read) instead
// of failing the test.
func ReadErr(t testing.TB, path string) (File, error) {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%v; CI is unset, skipping", err)
		}
		t.Fatalf("%v", err)
	}
	d, err := dir()
	if err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(d, "read.mjs"), abs)
	cmd.Dir = d
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return File{}, fmt.Errorf("avsc reading %s: %v: %s", path, err, strings.TrimSpace(stderr.String()))
	}
	var f File
	if err := json.Unmarshal(stdout.Bytes(), &f); err != nil {
		return File{}, fmt.Errorf("decoding avsc's output for %s: %w", path, err)
	}
	return f, nil
}
