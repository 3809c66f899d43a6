package demo_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/sluicehq/sluice/app/demo"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/transport/objstore"
)

// TestDemoRunsAndStopsCleanly runs the demo for a few seconds, stops it, and
// checks every record in the topic is archived exactly once, the summary
// says so, and no goroutine is left behind.
func TestDemoRunsAndStopsCleanly(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(),
		// sarama's metrics start go-metrics' meter arbiter once per process,
		// a singleton that serves every later client too.
		goleak.IgnoreTopFunction("github.com/rcrowley/go-metrics.(*meterArbiter).tick"))
	dir := filepath.Join(t.TempDir(), "out")
	d, err := demo.Start(demo.Options{Dir: dir, Rate: 500, Partitions: 3})
	require.NoError(t, err)
	require.Contains(t, d.Banner(), d.Broker())
	require.Contains(t, d.Banner(), dir+"/**/*.parquet")

	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Second)
	defer cancel()
	sum, err := d.Run(ctx)
	require.NoError(t, err)
	require.NoError(t, d.Close())

	require.Positive(t, sum.Produced)
	require.Equal(t, sum.Produced, sum.InTopic)
	require.Equal(t, sum.InTopic, sum.Committed, "everything in the topic is committed after a clean stop")
	require.Positive(t, sum.Files)

	st, err := objstore.Open(t.Context(), demo.FileURL(dir), objstore.S3Config{}, objstore.Settings{})
	require.NoError(t, err)
	rows := archivetest.ReadAll(t, st)
	offsets := archivetest.Offsets(t, rows)
	require.Len(t, rows, int(sum.Committed))
	require.LessOrEqual(t, len(offsets), 3)
}

// TestStartRefusesForeignDirectory checks the demo never empties a directory
// it did not write, and does empty its own previous output.
func TestStartRefusesForeignDirectory(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "precious.txt"), []byte("x"), 0o644))
	_, err := demo.Start(demo.Options{Dir: dir, Port: 0})
	require.ErrorIs(t, err, demo.ErrDirNotEmpty)
	require.FileExists(t, filepath.Join(dir, "precious.txt"))

	own := t.TempDir()
	d, err := demo.Start(demo.Options{Dir: own})
	require.NoError(t, err)
	require.NoError(t, d.Close())
	require.NoError(t, os.WriteFile(filepath.Join(own, "old.parquet"), []byte("x"), 0o644))
	d, err = demo.Start(demo.Options{Dir: own})
	require.NoError(t, err)
	require.NoError(t, d.Close())
	require.NoFileExists(t, filepath.Join(own, "old.parquet"))
}
