package upload

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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

// filteredRound writes a round of partition 2 of topic "t" over offsets
// [start..end] whose offsets in filtered were removed by a stage: the
// others go to real spill files, offset o to dirs[o%len(dirs)], and a
// directory that gets no record gets no file.
func filteredRound(t *testing.T, from, start, end int64, filtered model.Offsets, dirs ...string) *model.Round {
	t.Helper()
	spillDir := filepath.Join(t.TempDir(), "t", "2", strconv.FormatInt(start, 10))
	require.NoError(t, os.MkdirAll(spillDir, 0o755))
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	r := &model.Round{Topic: "t", Partition: 2, From: from, Start: start, End: end, Trigger: "count",
		Filtered: filtered.Len(), FilteredRanges: filtered.Ranges()}
	writers := make([]*format.SpillWriter, len(dirs))
	for o := start; o <= end; o++ {
		if filtered.Contains(o) {
			continue
		}
		i := o % int64(len(dirs))
		if writers[i] == nil {
			w, err := format.NewSpillWriter(filepath.Join(spillDir, strconv.Itoa(int(i)+1)+".arrow"), alloc)
			require.NoError(t, err)
			writers[i] = w
		}
		rec := &model.Record{Topic: "t", Partition: 2, Offset: o, Timestamp: time.UnixMilli(1_790_000_000_000 + o).UTC(),
			Value: fmt.Appendf(nil, `{"id":%d}`, o)}
		writers[i].Append(rec)
		r.Records++
		r.Bytes += int64(rec.Size())
	}
	for i, w := range writers {
		if w == nil {
			continue
		}
		require.NoError(t, w.Close())
		r.Files = append(r.Files, model.RoundFile{Key: dirs[i] + "/" + model.FileName("t", 2, start) + ".jsonl",
			Spill: w.Path(), Records: w.Rows()})
	}
	return r
}

// putLog is the real store, remembering the keys put in order.
type putLog struct {
	objstore.Store
	mu   sync.Mutex
	keys []string
}

func (s *putLog) Put(ctx context.Context, key, path string) (objstore.Object, error) {
	s.mu.Lock()
	s.keys = append(s.keys, key)
	s.mu.Unlock()
	return s.Store.Put(ctx, key, path)
}

// newStage is an upload stage over st with its own ledger (its own owner).
func newStage(t *testing.T, st objstore.Store, owner string) *Stage {
	t.Helper()
	s, err := New(DefaultConfig(), Settings{Store: st, Ledger: commit.NewLedger(st, owner),
		Format: func(string) format.Config {
			return format.Config{Type: format.TypeJSONL, Compression: format.CompressionNone}
		}})
	require.NoError(t, err)
	return s
}

// TestUploadStoresFilteredOffsets uploads rounds with filtered records in
// the middle, at both ends, and only filtered records: the record of their
// offsets is stored before the round's files, with the exact ranges, and
// byte for byte the same when another owner uploads the same round again.
func TestUploadStoresFilteredOffsets(t *testing.T) {
	rg := func(first, last int64) model.OffsetRange { return model.OffsetRange{First: first, Last: last} }
	tests := []struct {
		name     string
		filtered []model.OffsetRange
		files    int
		want     string // the object's exact bytes, when pinned
	}{
		{name: "middle", filtered: []model.OffsetRange{rg(103, 104), rg(107, 107)}, files: 2},
		{name: "ends", filtered: []model.OffsetRange{rg(100, 101), rg(105, 105), rg(109, 109)}, files: 2,
			want: `{"version":1,"topic":"t","partition":2,"start":100,"end":109,"count":4,` +
				`"ranges":[{"first":100,"last":101},{"first":105,"last":105},{"first":109,"last":109}]}` + "\n"},
		{name: "only filtered", filtered: []model.OffsetRange{rg(100, 109)}, files: 0},
		{name: "every other", filtered: []model.OffsetRange{rg(100, 100), rg(102, 102), rg(104, 104), rg(106, 106), rg(108, 108)}, files: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := objstore.Open(t.Context(), "file://"+t.TempDir(), objstore.S3Config{}, objstore.Settings{})
			require.NoError(t, err)
			log := &putLog{Store: st}
			filtered := model.OffsetsOf(tt.filtered...)
			r := filteredRound(t, 100, 100, 109, filtered, "a", "b")
			require.Len(t, r.Files, tt.files)
			key := commit.FilteredKey("t", 2, 100)
			assert.Equal(t, "_sluice/filtered/t/2/00000000000000000100.json", key)

			stored, err := newStage(t, log, "first").Upload(t.Context(), r)
			require.NoError(t, err)
			require.True(t, stored)
			require.NotEmpty(t, log.keys)
			assert.Equal(t, key, log.keys[0], "the filtered offsets are stored before the round's files")
			assert.Len(t, log.keys, 1+tt.files)
			first := read(t, st, key)
			if tt.want != "" {
				assert.Equal(t, tt.want, string(first))
			}
			f, err := commit.DecodeFiltered(key, first)
			require.NoError(t, err)
			assert.Equal(t, commit.Filtered{RoundOffsets: commit.RoundOffsets{Version: 1, Topic: "t", Partition: 2, Start: 100, End: 109,
				Count: filtered.Len(), Ranges: tt.filtered}}, f)

			// The owner died before committing; the next owner completes
			// the pending round from the same records.
			again := filteredRound(t, 100, 100, 109, filtered, "a", "b")
			stored, err = newStage(t, st, "second").Upload(t.Context(), again)
			require.NoError(t, err)
			require.True(t, stored)
			assert.Equal(t, first, read(t, st, key), "byte-identical when uploaded again")
		})
	}
}

// TestUploadFilteredOffsetsKeepStored: a round without filtered records
// stores no record of them; completing a pending round with KeepStored
// keeps the record its earlier owner stored, and writes one that is missing.
func TestUploadFilteredOffsetsKeepStored(t *testing.T) {
	st, err := objstore.Open(t.Context(), "file://"+t.TempDir(), objstore.S3Config{}, objstore.Settings{})
	require.NoError(t, err)
	r := filteredRound(t, 0, 0, 9, model.Offsets{}, "a")
	_, err = newStage(t, st, "plain").Upload(t.Context(), r)
	require.NoError(t, err)
	var internal []string
	require.NoError(t, st.List(t.Context(), commit.FilteredPrefix, func(o objstore.Object) error {
		internal = append(internal, o.Key)
		return nil
	}))
	assert.Empty(t, internal, "no filtered records, no object")

	for _, stored := range []bool{false, true} {
		t.Run(fmt.Sprintf("stored=%v", stored), func(t *testing.T) {
			st, err := objstore.Open(t.Context(), "file://"+t.TempDir(), objstore.S3Config{}, objstore.Settings{})
			require.NoError(t, err)
			r := filteredRound(t, 100, 100, 109, model.OffsetsOf(model.OffsetRange{First: 104, Last: 105}), "a")
			r.KeepStored = true
			key := commit.FilteredKey("t", 2, 100)
			earlier := []byte("the earlier owner's record\n")
			if stored {
				tmp := filepath.Join(t.TempDir(), "earlier")
				require.NoError(t, os.WriteFile(tmp, earlier, 0o644))
				_, err := st.Put(t.Context(), key, tmp)
				require.NoError(t, err)
			}
			_, err = newStage(t, st, "next").Upload(t.Context(), r)
			require.NoError(t, err)
			got := read(t, st, key)
			if stored {
				assert.Equal(t, earlier, got, "kept")
				return
			}
			assert.True(t, strings.HasSuffix(string(got), `"ranges":[{"first":104,"last":105}]}`+"\n"), "written: %s", got)
		})
	}
}

func read(t *testing.T, st objstore.Store, key string) []byte {
	t.Helper()
	data, _, err := st.Get(t.Context(), key)
	require.NoError(t, err)
	return data
}
