package upload

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/stages/format"
	"github.com/sluicehq/sluice/transport/objstore"
)

type harness struct {
	stage  *Stage
	store  objstore.Store
	ledger *commit.Ledger
	alloc  *memory.CheckedAllocator
	format format.Config
	stale  []string
}

func newHarness(t *testing.T, fc format.Config) *harness {
	t.Helper()
	st, err := objstore.Open(t.Context(), "file://"+t.TempDir(), objstore.S3Config{}, objstore.Settings{})
	require.NoError(t, err)
	h := &harness{store: st, ledger: commit.NewLedger(st, "test"),
		alloc: memory.NewCheckedAllocator(memory.NewGoAllocator()), format: fc}
	t.Cleanup(func() { h.alloc.AssertSize(t, 0) })
	h.stage, err = New(DefaultConfig(), Settings{
		Store: st, Ledger: h.ledger, Alloc: h.alloc,
		Format: func(topic string) format.Config {
			assert.Equal(t, "t", topic)
			return fc
		},
		OnStale: func(topic string, p int32) { h.stale = append(h.stale, model.LaneOf(topic, p)) },
	})
	require.NoError(t, err)
	return h
}

// spillRound writes a round of partition 2 of topic "t" over offsets
// [start..end] with real spill files: offset o goes to dirs[o%len(dirs)].
func spillRound(t *testing.T, from, start, end int64, dirs ...string) *model.Round {
	t.Helper()
	spillDir := filepath.Join(t.TempDir(), "t", "2", strconv.FormatInt(start, 10))
	require.NoError(t, os.MkdirAll(spillDir, 0o755))
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	r := &model.Round{Topic: "t", Partition: 2, From: from, Start: start, End: end, Trigger: "count"}
	writers := make([]*format.SpillWriter, len(dirs))
	for i := range dirs {
		w, err := format.NewSpillWriter(filepath.Join(spillDir, strconv.Itoa(i+1)+".arrow"), alloc)
		require.NoError(t, err)
		writers[i] = w
	}
	appendRecords(r, writers)
	for i, w := range writers {
		require.NoError(t, w.Close())
		r.Files = append(r.Files, model.RoundFile{
			Key:   dirs[i] + "/" + model.FileName("t", 2, start) + ".data",
			Spill: w.Path(), Records: w.Rows(),
		})
	}
	return r
}

// encoded is what Encode makes of a spill file.
func (h *harness) encoded(t *testing.T, spill string) []byte {
	t.Helper()
	var buf bytes.Buffer
	_, err := format.Encode(t.Context(), spill, &buf, h.format, h.alloc)
	require.NoError(t, err)
	return buf.Bytes()
}

func (h *harness) stored(t *testing.T, key string) []byte {
	t.Helper()
	rc, err := h.store.Open(t.Context(), key)
	require.NoError(t, err)
	defer rc.Close()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	return b
}

func TestUploadStoresEveryFile(t *testing.T) {
	formats := []format.Config{
		{Type: format.TypeParquet, Compression: format.CompressionZstd},
		{Type: format.TypeJSONL, Compression: format.CompressionNone},
		{Type: format.TypeJSONL, Compression: format.CompressionGzip},
	}
	for _, fc := range formats {
		t.Run(fc.Type+"/"+fc.Compression, func(t *testing.T) {
			h := newHarness(t, fc)
			r := spillRound(t, 100, 100, 199, "dt=2026-11-22/hr=01", "dt=2026-11-22/hr=02", "dt=2026-11-22/hr=03")
			want := map[string][]byte{}
			var total int64
			for _, f := range r.Files {
				want[f.Key] = h.encoded(t, f.Spill)
				total += int64(len(want[f.Key]))
			}
			before := *r
			stored, err := h.stage.Upload(t.Context(), r)
			require.NoError(t, err)
			require.True(t, stored)
			assert.Equal(t, before, *r, "the round is not changed")
			for key, b := range want {
				assert.Equal(t, b, h.stored(t, key), key)
			}
			p, ok, err := h.ledger.Load(t.Context(), "t", 2)
			require.NoError(t, err)
			require.True(t, ok)
			require.NotNil(t, p.Pending, "claimed, not committed: that is the commit stage's work")
			assert.Equal(t, commit.Ref(r), p.Pending)
			assert.Equal(t, int64(1), h.stage.Stats().Rounds.Load())
			assert.Equal(t, int64(3), h.stage.Stats().Files.Load())
			assert.Equal(t, int64(100), h.stage.Stats().Records.Load())
			assert.Equal(t, total, h.stage.Stats().Bytes.Load())
			assert.DirExists(t, r.SpillDir(), "spills stay until the round is committed")
			leftovers, err := filepath.Glob(filepath.Join(r.SpillDir(), "*.out"))
			require.NoError(t, err)
			assert.Empty(t, leftovers, "encoded temporaries are removed")

			// A retry (the commit stage failed, the router redelivers) stores
			// the same bytes under the same keys.
			stored, err = h.stage.Upload(t.Context(), r)
			require.NoError(t, err)
			require.True(t, stored)
			for key, b := range want {
				assert.Equal(t, b, h.stored(t, key), "retried %s", key)
			}
		})
	}
}

func TestUploadDropsSettledRounds(t *testing.T) {
	tests := []struct {
		name      string
		committed [2]int64 // a round [Start..End] committed before
		from      int64
		start     int64
		end       int64
		wantStale bool
	}{
		{"already stored", [2]int64{0, 49}, 0, 0, 49, false},
		{"stale: the record moved past From", [2]int64{0, 49}, 20, 20, 69, true},
		{"stale: a round in between was lost", [2]int64{0, 49}, 60, 60, 69, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, format.Config{Type: format.TypeJSONL, Compression: format.CompressionNone})
			other := commit.NewLedger(h.store, "other")
			done := &model.Round{Topic: "t", Partition: 2, From: tt.committed[0], Start: tt.committed[0], End: tt.committed[1]}
			require.NoError(t, other.Claim(t.Context(), done))
			require.NoError(t, other.Commit(t.Context(), done))

			r := spillRound(t, tt.from, tt.start, tt.end, "a")
			stored, err := h.stage.Upload(t.Context(), r)
			require.NoError(t, err)
			assert.False(t, stored)
			assert.NoDirExists(t, r.SpillDir())
			assert.Equal(t, int64(1), h.stage.Stats().Dropped.Load())
			assert.Zero(t, h.stage.Stats().Files.Load())
			_, err = h.store.Open(t.Context(), r.Files[0].Key)
			if tt.start != tt.committed[0] {
				assert.ErrorIs(t, err, objstore.ErrNotExist, "nothing stored")
			}
			if tt.wantStale {
				assert.Equal(t, []string{"t/2"}, h.stale)
			} else {
				assert.Empty(t, h.stale)
			}
		})
	}
}

func TestUploadErrors(t *testing.T) {
	h := newHarness(t, format.Config{Type: format.TypeJSONL, Compression: format.CompressionNone})

	r := spillRound(t, 0, 0, 9, "a", "b")
	r.Files[1].Records++ // the round says 6 rows, the spill holds 5
	_, err := h.stage.Upload(t.Context(), r)
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf("encoding %s: wrote 5 rows, the round has 6", r.Files[1].Key))
	_, err = h.store.Open(t.Context(), r.Files[1].Key)
	assert.ErrorIs(t, err, objstore.ErrNotExist, "a mismatching file is not stored")

	r2 := spillRound(t, 0, 0, 9, "a")
	require.NoError(t, os.Truncate(r2.Files[0].Spill, 10))
	_, err = h.stage.Upload(t.Context(), r2)
	require.ErrorIs(t, err, format.ErrCorruptSpill)

	_, err = New(DefaultConfig(), Settings{Store: h.store, Ledger: h.ledger})
	require.Error(t, err, "Format is required")
}

// TestUploadKeepsStoredFiles completes a pending round of which Kafka lost
// records: a file the earlier owner stored holds more records than the
// completion read again, so it is kept; a file it never stored is written.
func TestUploadKeepsStoredFiles(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("keep_stored=%v", keep), func(t *testing.T) {
			h := newHarness(t, format.Config{Type: format.TypeJSONL, Compression: format.CompressionNone})
			r := spillRound(t, 100, 100, 109, "a", "b")
			earlier := []byte("the earlier owner's file, with every record\n")
			tmp := filepath.Join(t.TempDir(), "earlier")
			require.NoError(t, os.WriteFile(tmp, earlier, 0o644))
			_, err := h.store.Put(t.Context(), r.Files[0].Key, tmp)
			require.NoError(t, err)

			r.KeepStored = keep
			_, err = h.stage.Upload(t.Context(), r)
			require.NoError(t, err)
			if keep {
				assert.Equal(t, earlier, h.stored(t, r.Files[0].Key), "kept")
				assert.Equal(t, int64(1), h.stage.Stats().Kept.Load())
				assert.Equal(t, int64(1), h.stage.Stats().Files.Load())
			} else {
				assert.Equal(t, h.encoded(t, r.Files[0].Spill), h.stored(t, r.Files[0].Key), "replaced")
				assert.Zero(t, h.stage.Stats().Kept.Load())
			}
			assert.Equal(t, h.encoded(t, r.Files[1].Spill), h.stored(t, r.Files[1].Key), "written")
		})
	}
}

// appendRecords writes r's records Start..End of topic "t", partition 2,
// over writers in turn (one per output partition), counting them in r.
func appendRecords(r *model.Round, writers []*format.SpillWriter) {
	for o := r.Start; o <= r.End; o++ {
		rec := &model.Record{Topic: "t", Partition: 2, Offset: o,
			Timestamp: time.UnixMilli(1_790_000_000_000 + o).UTC(),
			Key:       []byte("k" + strconv.FormatInt(o, 10)),
			Value:     fmt.Appendf(nil, `{"id":%d}`, o)}
		writers[o%int64(len(writers))].Append(rec)
		r.Records++
		r.Bytes += int64(rec.Size())
	}
}
