package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/app/demo"
	"github.com/sluicehq/sluice/stages/buffer"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/transport/objstore"
)

// TestRunRefusesAForeignBufferDir points buffer.dir at a directory holding a
// user's file and sub-directory: sluice exits 2 before connecting to
// anything, with one line saying why, and deletes nothing.
func TestRunRefusesAForeignBufferDir(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "thesis.tex"), []byte("chapter 1"), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "photos"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "photos", "1.jpg"), []byte("jpeg"), 0o644))

	file, _ := runConfigIn(t, []string{closedPort(t)}, "events", "{}", dir)
	r := sluice(t, 60*time.Second, "run", "-c", file)
	require.Equal(t, 2, r.code, "stderr:\n%s", r.stderr)
	last := r.lastLine()
	assert.True(t, strings.HasPrefix(last, "sluice: "), "last line %q", last)
	for _, want := range []string{dir, "not empty", buffer.MarkerName, "buffer.dir"} {
		assert.Contains(t, last, want)
	}
	assert.NotContains(t, r.stderr, "connecting to kafka", "the directory is checked first")

	b, err := os.ReadFile(filepath.Join(dir, "thesis.tex"))
	require.NoError(t, err)
	assert.Equal(t, "chapter 1", string(b))
	b, err = os.ReadFile(filepath.Join(dir, "photos", "1.jpg"))
	require.NoError(t, err)
	assert.Equal(t, "jpeg", string(b))
	assert.Len(t, entries(t, dir), 2, "nothing added")
}

// TestRunReusesItsBufferDirAfterAKill kills sluice (SIGKILL) while rounds are
// open, so their spill files stay in the buffer directory, and starts it
// again on the same directory: it takes the directory, removes the spill
// files (leaving a file it did not write), and archives every record exactly
// once.
func TestRunReusesItsBufferDirAfterAKill(t *testing.T) {
	const topic, parts = "events", 2
	kc := kafkatest.Start(t, parts, topic)
	bufDir := filepath.Join(t.TempDir(), "buffer")
	file, out := runConfigIn(t, kc.Brokers(), topic, "{max_records: 250, idle: 5s}", bufDir)
	st, err := objstore.Open(t.Context(), demo.FileURL(out), objstore.S3Config{}, objstore.Settings{})
	require.NoError(t, err)

	// A small buffer.memory and records of 16 KiB, so that open rounds
	// spill (a round that fits in memory leaves nothing on disk).
	cfg, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, []byte(strings.Replace(string(cfg), "  dir: "+bufDir+"\n",
		"  dir: "+bufDir+"\n  memory: 1MiB\n", 1)), 0o644))
	// 550 per partition: two rounds of 250 are committed, 50 records stay
	// in an open round for the idle time.
	base := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	pad := strings.Repeat("x", 16<<10)
	var recs []kafkatest.Record
	for i := range 1100 {
		recs = append(recs, kafkatest.Record{Partition: int32(i % parts), Timestamp: base,
			Value: fmt.Appendf(nil, `{"id":%d,"ts":%d,"pad":"%s"}`, i, base.UnixMilli(), pad)})
	}
	kc.Produce(t, topic, recs...)
	p := startSluice(t, "run", "-c", file)
	archivetest.WaitDurable(t, st, topic, map[int32]int64{0: 500, 1: 500}, 60*time.Second)
	require.Eventually(t, func() bool { return len(spillDirs(t, bufDir)) == parts }, 3*time.Second, 10*time.Millisecond,
		"an open round per partition")
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
	r := p.wait(t, 10*time.Second)
	require.Equal(t, -1, r.code, "killed")
	left := spillDirs(t, bufDir)
	require.Len(t, left, parts, "the killed process left its spill files")
	require.FileExists(t, filepath.Join(bufDir, buffer.MarkerName))
	require.NoError(t, os.WriteFile(filepath.Join(bufDir, "notes.txt"), []byte("not sluice's"), 0o644))

	p = startSluice(t, "run", "-c", file)
	end := kc.EndOffsets(t, topic)
	archivetest.WaitDurable(t, st, topic, end, 60*time.Second)
	r = p.stopGracefully(t)
	assert.Contains(t, r.stderr, "removed the spill files an earlier run left")
	assert.Contains(t, r.stderr, "leaving them alone")
	assert.ElementsMatch(t, []string{buffer.MarkerName, "notes.txt"}, entries(t, bufDir))
	archivetest.RequireExactlyOnce(t, archivetest.ReadAll(t, st), topic, end)
}

// entries lists the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	list, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range list {
		out = append(out, e.Name())
	}
	return out
}

// spillDirs lists the round spill directories in dir.
func spillDirs(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, name := range entries(t, dir) {
		if strings.HasSuffix(name, ".spill") {
			out = append(out, name)
		}
	}
	return out
}
