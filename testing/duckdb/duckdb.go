package duckdb

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
)

// InstallCommand is the command that installs what Query needs, run from the
// repository root.
const InstallCommand = "npm install --prefix testing/duckdb"

// queryTimeout bounds one query, node's start-up included.
const queryTimeout = 2 * time.Minute

// ErrUnavailable is returned (wrapped) by Available when node or the
// @duckdb/node-api package is missing.
var ErrUnavailable = errors.New("duckdb is not available")

// dir is the directory of this source file, which holds query.mjs and
// node_modules.
func dir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("%w: cannot locate the testing/duckdb directory", ErrUnavailable)
	}
	return filepath.Dir(file), nil
}

// Available reports whether Query can run: nil when node is on PATH and
// @duckdb/node-api is installed, else an error wrapping ErrUnavailable that
// says what is missing.
func Available() error {
	if _, err := exec.LookPath("node"); err != nil {
		return fmt.Errorf("%w: node is not on PATH (install Node.js 20 or newer)", ErrUnavailable)
	}
	d, err := dir()
	if err != nil {
		return err
	}
	pkg := filepath.Join(d, "node_modules", "@duckdb", "node-api", "package.json")
	if _, err := os.Stat(pkg); err == nil {
		return nil
	}
	// Install it as the lock file pins it, like the MinIO harness builds
	// MinIO: a project-local install, once, under a lock.
	if err := install(d); err != nil {
		return fmt.Errorf("%w: @duckdb/node-api is not installed and %q failed: %v", ErrUnavailable, InstallCommand, err)
	}
	return nil
}

// install runs `npm install` (pinned by package-lock.json) in dir under an exclusive lock, unless another test
// process installed the package meanwhile.
func install(d string) error {
	if _, err := exec.LookPath("npm"); err != nil {
		return errors.New("npm is not on PATH")
	}
	unlock, err := lockFile(filepath.Join(d, ".install.lock"))
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(d, "node_modules", "@duckdb", "node-api", "package.json")); err == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund")
	cmd.Dir = d
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// Query runs sql in an in-memory DuckDB and returns the result rows, one map
// per row keyed by column name. Values are DuckDB's JSON conversion decoded
// with encoding/json: BIGINT, HUGEINT and DECIMAL arrive as strings, smaller
// integers and doubles as float64, BLOB as an escaped string, TIMESTAMP WITH
// TIME ZONE as "2026-11-22 01:02:03.456+00"; cast in SQL to get another shape.
// Paths in sql should be absolute.
//
// When DuckDB is unavailable, Query skips the test if the CI environment
// variable is unset, and fails it otherwise. A query error fails the test.
func Query(t testing.TB, sql string) []map[string]any {
	t.Helper()
	return QueryIn(t, "", sql)
}

// QueryIn is Query run from the directory workDir, so that relative paths in
// sql resolve against it as they would for the duckdb command run there. An
// empty workDir is Query's own directory.
func QueryIn(t testing.TB, workDir, sql string) []map[string]any {
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
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(d, "query.mjs"))
	cmd.Dir = d
	if workDir != "" {
		cmd.Dir = workDir
	}
	cmd.Stdin = strings.NewReader(sql)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("running duckdb query %q: %v: %s", sql, err, strings.TrimSpace(stderr.String()))
	}
	var rows []map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &rows); err != nil {
		t.Fatalf("decoding duckdb result of %q: %v", sql, err)
	}
	return rows
}
