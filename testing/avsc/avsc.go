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
	"testing"
	"time"

	"github.com/sluicehq/sluice/testing/proc"
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

// Available reports whether Read can run: nil when node is on PATH and the
// packages are installed (installed once, under a lock, when npm is
// there), else an error wrapping ErrUnavailable that says what is missing.
func Available() error {
	d, err := dir()
	if err != nil {
		return err
	}
	if err := proc.NPMPackages(d, "avsc", "fzstd", "snappyjs"); err != nil {
		return fmt.Errorf("%w: the npm packages are not installed (%s): %v", ErrUnavailable, InstallCommand, err)
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
