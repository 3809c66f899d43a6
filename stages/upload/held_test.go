package upload

import (
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/stages/format"
	"github.com/sluicehq/sluice/transport/objstore"
)

// heldRound is spillRound's round with its files held in memory (no spill
// directory), as the buffer seals a round that fits in memory.
func heldRound(t *testing.T, alloc memory.Allocator, from, start, end int64, dirs ...string) *model.Round {
	t.Helper()
	r := &model.Round{Topic: "t", Partition: 2, From: from, Start: start, End: end, Trigger: "count"}
	writers := make([]*format.SpillWriter, len(dirs))
	for i := range dirs {
		w, err := format.NewSpillWriter(t.TempDir()+"/never/"+strconv.Itoa(i)+".arrow", alloc)
		require.NoError(t, err)
		writers[i] = w
	}
	appendRecords(r, writers)
	for i, w := range writers {
		h := w.Hold(nil)
		require.NotNil(t, h)
		r.Files = append(r.Files, model.RoundFile{
			Key:  dirs[i] + "/" + model.FileName("t", 2, start) + ".data",
			Held: h, Records: h.Rows(),
		})
	}
	return r
}

// A round held in memory is stored byte for byte as the same round spilled,
// again on a retry; it stays held until the round is freed.
func TestUploadHeldRound(t *testing.T) {
	for _, fc := range []format.Config{
		{Type: format.TypeParquet, Compression: format.CompressionZstd},
		{Type: format.TypeJSONL, Compression: format.CompressionGzip},
	} {
		t.Run(fc.Type, func(t *testing.T) {
			h := newHarness(t, fc)
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			spilled := spillRound(t, 100, 100, 199, "a", "b")
			r := heldRound(t, mem, 100, 100, 199, "a", "b")
			for range 2 {
				stored, err := h.stage.Upload(t.Context(), r)
				require.NoError(t, err)
				require.True(t, stored)
				for _, f := range spilled.Files {
					assert.Equal(t, h.encoded(t, f.Spill), h.stored(t, f.Key), f.Key)
				}
			}
			assert.Positive(t, mem.CurrentAlloc(), "held until committed")
			r.Free()
		})
	}
}

// A held round the ledger refuses for good is dropped and released.
func TestUploadDropsHeldRound(t *testing.T) {
	h := newHarness(t, format.Config{Type: format.TypeJSONL, Compression: format.CompressionNone})
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	other := commit.NewLedger(h.store, "other")
	done := &model.Round{Topic: "t", Partition: 2, From: 0, Start: 0, End: 49}
	require.NoError(t, other.Claim(t.Context(), done))
	require.NoError(t, other.Commit(t.Context(), done))

	r := heldRound(t, mem, 0, 0, 49, "a")
	stored, err := h.stage.Upload(t.Context(), r)
	require.NoError(t, err)
	assert.False(t, stored)
	mem.AssertSize(t, 0)
}

// onlyStore hides the store's streaming: the upload goes through a temp file.
type onlyStore struct{ objstore.Store }

func TestUploadWithoutStreaming(t *testing.T) {
	fc := format.Config{Type: format.TypeParquet}
	h := newHarness(t, fc)
	h.stage.set.Store = onlyStore{h.store}
	r := spillRound(t, 0, 0, 99, "a")
	stored, err := h.stage.Upload(t.Context(), r)
	require.NoError(t, err)
	require.True(t, stored)
	assert.Equal(t, h.encoded(t, r.Files[0].Spill), h.stored(t, r.Files[0].Key))
	require.NoError(t, h.ledger.Commit(t.Context(), r))

	r2 := spillRound(t, 100, 100, 109, "b")
	r2.Files[0].Records++
	_, err = h.stage.Upload(t.Context(), r2)
	require.ErrorContains(t, err, "wrote 10 rows, the round has 11")
	_, err = h.store.Open(t.Context(), r2.Files[0].Key)
	assert.ErrorIs(t, err, objstore.ErrNotExist, "a mismatching file is not stored")
}
