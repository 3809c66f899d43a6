package buffer

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
)

// newStageAt returns a stage over dir that publishes nowhere.
func newStageAt(t *testing.T, dir string) *Stage {
	t.Helper()
	s, err := New(Config{Dir: dir}, Settings{
		Publish: func(context.Context, *model.Round) error { return nil },
		Topic:   func(string) TopicSettings { return TopicSettings{Policy: loose()} },
	})
	require.NoError(t, err)
	return s
}

// names lists the entries of dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestStartCreatesAndMarksTheDir(t *testing.T) {
	for _, tt := range []struct {
		name string
		dir  func(t *testing.T) string
	}{
		{"new", func(t *testing.T) string { return filepath.Join(t.TempDir(), "a", "buffer") }},
		{"empty", func(t *testing.T) string { return t.TempDir() }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir(t)
			s := newStageAt(t, dir)
			require.NoError(t, s.Start())
			assert.Equal(t, []string{MarkerName}, names(t, dir))
			assert.Positive(t, s.MaxDisk(), "derived from the free space")
			require.NoError(t, s.Close())
		})
	}
}

// TestStartRefusesAForeignDir points the buffer at a directory holding a
// user's file and sub-directory: Start refuses it and deletes nothing.
func TestStartRefusesAForeignDir(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644))
	sub := filepath.Join(dir, "photos")
	require.NoError(t, os.MkdirAll(sub, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(sub, "1.jpg"), []byte("jpeg"), 0o644))
	// Even what looks like a spill directory is not sluice's without the
	// marker.
	spill := filepath.Join(dir, roundDirName("t", 0, 0, 1))
	require.NoError(t, os.MkdirAll(spill, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(spill, "1.arrow"), []byte("x"), 0o644))

	s := newStageAt(t, dir)
	err := s.Start()
	require.ErrorIs(t, err, ErrDirNotOwned)
	assert.Contains(t, err.Error(), dir)
	assert.Contains(t, err.Error(), MarkerName)
	require.NoError(t, s.Close())

	assert.ElementsMatch(t, []string{"notes.txt", "photos", roundDirName("t", 0, 0, 1)}, names(t, dir), "nothing added or removed")
	b, err := os.ReadFile(filepath.Join(sub, "1.jpg"))
	require.NoError(t, err)
	assert.Equal(t, "jpeg", string(b))
	assert.FileExists(t, filepath.Join(spill, "1.arrow"))
}

// TestStartRefusesAnEarlierSluicesDir: the buffer dir of a sluice that did
// not mark it (a .lock file and topic directories) is refused too, untouched,
// with advice on what to do.
func TestStartRefusesAnEarlierSluicesDir(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".lock"), nil, 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "events", "3"), 0o755))
	s := newStageAt(t, dir)
	err := s.Start()
	require.ErrorIs(t, err, ErrDirNotOwned)
	assert.Contains(t, err.Error(), "delete it")
	require.NoError(t, s.Close())
	assert.ElementsMatch(t, []string{".lock", "events"}, names(t, dir), "nothing added or removed")
}

// TestStartReusesItsDir leaves spill files behind as a crash would, then
// starts again on the same directory: it is taken, the spill files are
// removed, and files sluice did not write are left alone.
func TestStartReusesItsDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "buffer")
	first := newStageAt(t, dir)
	require.NoError(t, first.Start())
	first.Assign("t", 0, 0, nil)
	for o := range int64(3) {
		require.NoError(t, first.appendOne(t.Context(), rec(0, o, 10, t0), "a"))
	}
	// A crash: the round's spill stays, as does an encoded copy.
	round := filepath.Join(dir, roundDirName("t", 0, 0, 1))
	require.NoError(t, first.parts[partKey{"t", 0}].round.files["a"].spill.Flush())
	require.NoError(t, os.WriteFile(filepath.Join(round, "1.arrow.out"), []byte("encoded"), 0o644))
	require.NoError(t, unlockDir(first.lock)) // the process is gone
	first.lock = nil
	// Files someone else put there.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "README"), []byte("hands off"), 0o644))
	other := filepath.Join(dir, roundDirName("t", 1, 5, 2))
	require.NoError(t, os.MkdirAll(other, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(other, "keep.txt"), nil, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(other, "2.arrow"), []byte("left over"), 0o644))

	second := newStageAt(t, dir)
	second.set.Logger = slog.New(slog.DiscardHandler)
	require.NoError(t, second.Start(), "a directory sluice marked is taken again")
	assert.ElementsMatch(t, []string{MarkerName, "README", roundDirName("t", 1, 5, 2)}, names(t, dir))
	assert.Equal(t, []string{"keep.txt"}, names(t, other), "only spill files are removed")

	third := newStageAt(t, dir)
	err := third.Start()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "in use by another sluice process")
	require.NoError(t, third.Close())

	require.NoError(t, second.Close())
	fourth := newStageAt(t, dir)
	require.NoError(t, fourth.Start(), "the lock is released on Close")
	require.NoError(t, fourth.Close())
	first.parts = map[partKey]*part{}
}

func TestStartRefusesAFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(path, nil, 0o644))
	s := newStageAt(t, path)
	require.Error(t, s.Start())
	require.NoError(t, s.Close())
}

func TestParseRoundDir(t *testing.T) {
	topic, p, start, ok := parseRoundDir(roundDirName("a.b_c-d", 7, 1234, 9))
	require.True(t, ok)
	assert.Equal(t, "a.b_c-d", topic)
	assert.Equal(t, int32(7), p)
	assert.Equal(t, int64(1234), start)
	for _, bad := range []string{"t+1+12.1.spill", "t+1+00000000000000000001.spill", "t+1+00000000000000000001.x.spill", "t+x+00000000000000000001.spill", "+1+00000000000000000001.spill",
		"t+1+00000000000000000001", "photos", ".sluice-buffer"} {
		_, _, _, ok := parseRoundDir(bad)
		assert.False(t, ok, bad)
	}
}

// TestRoundsAtOneOffsetKeepTheirOwnSpill: a partition assigned again while its
// earlier round is still being uploaded starts a new round at the same
// offset; the two rounds' spill files must not be the same files.
func TestRoundsAtOneOffsetKeepTheirOwnSpill(t *testing.T) {
	pol := loose()
	pol.MaxRecords = 2
	// Two records of 600 KiB pass the 1 MiB memory share: the rounds spill.
	h := newHarness(t, pol, func(c *Config, _ *Policy) { c.Memory = MinMemory })
	appendBig := func(offsets ...int64) {
		for _, o := range offsets {
			require.NoError(t, h.appendOne(t.Context(), rec(0, o, 600<<10, t0), "d"))
		}
	}
	h.Assign("t", 0, 0, nil)
	appendBig(0, 1)
	h.Assign("t", 0, 0, nil) // the same process is given the partition again
	appendBig(0, 1)
	rounds := h.pub.all()
	require.Len(t, rounds, 2)
	require.NotEmpty(t, rounds[0].SpillDir())
	assert.NotEqual(t, rounds[0].SpillDir(), rounds[1].SpillDir())
	require.NoError(t, os.RemoveAll(rounds[1].SpillDir())) // the second round committed first
	assert.Equal(t, []int64{0, 1}, offsetsOf(t, rounds[0]), "the first round's spill is intact")
}
