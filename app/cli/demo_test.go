package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/app/demo"
	"github.com/sluicehq/sluice/testing/duckdb"
)

// summaryCount reads a count ("records committed  1,590") from the demo's
// summary.
func summaryCount(t *testing.T, summary, label string) int64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^  ` + label + `\s+([\d,]+)`).FindStringSubmatch(summary)
	require.NotNil(t, m, "no %q line in the summary:\n%s", label, summary)
	n, err := strconv.ParseInt(strings.ReplaceAll(m[1], ",", ""), 10, 64)
	require.NoError(t, err)
	return n
}

// TestDemo runs "sluice demo" for a few seconds and checks it exits 0, wrote
// Parquet files, and that DuckDB counts exactly the records its summary says
// were committed: all those it produced.
func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	r := sluice(t, 90*time.Second, "demo", "--duration", "8s", "--dir", dir, "--port", "0", "--rate", "300")
	require.Equal(t, 0, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)

	// The banner, then the summary.
	assert.Contains(t, r.stdout, "sluice demo: archiving Kafka topic \"demo-events\"")
	assert.Regexp(t, `kcat -b 127\.0\.0\.1:\d+ -t demo-events -P`, r.stdout)
	countCmd := demo.Render(demo.DuckDBCount, "", dir)
	assert.Equal(t, 2, strings.Count(r.stdout, countCmd), "the banner and the summary give the DuckDB command")
	produced := summaryCount(t, r.stdout, "records produced")
	committed := summaryCount(t, r.stdout, "records committed")
	require.Positive(t, committed)
	assert.Equal(t, produced, committed, "a clean stop commits everything produced")

	files, err := filepath.Glob(filepath.Join(dir, demo.Topic, "dt=*", "hr=*", "*.parquet"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	assert.Equal(t, strconv.Itoa(len(files)), strconv.FormatInt(summaryCount(t, r.stdout, "files written"), 10))

	rows := duckdb.Query(t, fmt.Sprintf("select count(*)::INTEGER as n, count(distinct json_extract(decode(value), '$.id'))::INTEGER as ids from read_parquet('%s')", demo.ParquetGlob(dir)))
	require.Len(t, rows, 1)
	assert.EqualValues(t, committed, rows[0]["n"], "DuckDB's count of the files")
	assert.EqualValues(t, committed, rows[0]["ids"], "every event id once")
}

// TestDemoKeepsForeignDirectory checks the demo refuses a directory it did
// not write, with exit code 2, and leaves its files alone.
func TestDemoKeepsForeignDirectory(t *testing.T) {
	dir := t.TempDir()
	precious := filepath.Join(dir, "precious.txt")
	require.NoError(t, os.WriteFile(precious, []byte("x"), 0o644))
	r := sluice(t, 30*time.Second, "demo", "--duration", "1s", "--dir", dir, "--port", "0")
	require.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "output directory is not empty")
	assert.FileExists(t, precious)
}
