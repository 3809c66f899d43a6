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

	"github.com/sluicehq/sluice/testing/proc"
)

// InstallCommand is the command that installs what Query needs, run from the
// repository root.
const InstallCommand = "npm ci --prefix testing/duckdb"

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
// @duckdb/node-api is installed (installed once, as the lock file pins it,
// when npm is there), else an error wrapping ErrUnavailable that says what
// is missing.
func Available() error {
	d, err := dir()
	if err != nil {
		return err
	}
	if err := proc.NPMPackages(d, "@duckdb/node-api"); err != nil {
		return fmt.Errorf("%w: @duckdb/node-api is not installed (%s): %v", ErrUnavailable, InstallCommand, err)
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
