package format_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/format"
)

// Records held in memory encode to the same bytes as the same records
// spilled in any batches, in every format, as often as they are encoded.
func TestHeldEncodesLikeSpill(t *testing.T) {
	recs := append(edgeRecords(), genRecords(9000, 7, 100)...)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	spill := writeSpill(t, t.TempDir(), recs, 777, mem)

	path := filepath.Join(t.TempDir(), "held", "1.arrow")
	w, err := format.NewSpillWriter(path, mem)
	require.NoError(t, err)
	for i := range recs {
		w.Append(&recs[i])
	}
	freed := 0
	h := w.Hold(func(*format.Held) { freed++ })
	require.NotNil(t, h)
	assert.NoFileExists(t, path, "held records never touch the disk")
	assert.NoDirExists(t, filepath.Dir(path))
	assert.Equal(t, int64(len(recs)), h.Rows())
	assert.Positive(t, h.Size())
	var _ model.HeldFile = h

	for _, cfg := range allConfigs {
		want := encodeFile(t, spill, cfg, mem)
		for range 2 {
			var got bytes.Buffer
			res, err := format.EncodeFrom(t.Context(), h, &got, cfg, mem)
			require.NoError(t, err)
			assert.Equal(t, int64(len(recs)), res.Rows)
			assert.Equal(t, want, got.Bytes(), cfgName(cfg))
		}
	}
	assert.Zero(t, freed)
	h.Release()
	h.Release()
	assert.Equal(t, 1, freed, "freed once")
	_, err = format.EncodeFrom(t.Context(), h, &bytes.Buffer{}, format.Config{}, mem)
	require.ErrorIs(t, err, format.ErrReleased)
}

// A writer that spilled cannot hold: its records are partly on disk.
func TestHoldAfterSpill(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	recs := genRecords(10, 8, 10)
	w, err := format.NewSpillWriter(filepath.Join(t.TempDir(), "1.arrow"), mem)
	require.NoError(t, err)
	w.Append(&recs[0])
	require.NoError(t, w.Flush())
	assert.True(t, w.Spilled())
	w.Append(&recs[1])
	assert.Nil(t, w.Hold(nil))
	require.NoError(t, w.Close())
	assert.Nil(t, w.Hold(nil), "closed")
	w.Abort()
}

// Releasing held records while they are being encoded keeps them until the
// encoding ends.
func TestHeldReleaseDuringEncode(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	recs := genRecords(5000, 9, 100)
	w, err := format.NewSpillWriter(filepath.Join(t.TempDir(), "1.arrow"), mem)
	require.NoError(t, err)
	for i := range recs {
		w.Append(&recs[i])
	}
	h := w.Hold(nil)
	require.NotNil(t, h)
	want := &bytes.Buffer{}
	_, err = format.EncodeFrom(t.Context(), h, want, format.Config{Type: format.TypeJSONL}, mem)
	require.NoError(t, err)

	released := false
	got := &bytes.Buffer{}
	_, err = format.EncodeFrom(t.Context(), h, writerFunc(func(p []byte) (int, error) {
		if !released {
			released = true
			h.Release() // the round was dropped while its upload runs
		}
		return got.Write(p)
	}), format.Config{Type: format.TypeJSONL}, mem)
	require.NoError(t, err)
	assert.True(t, released)
	assert.Equal(t, want.Bytes(), got.Bytes(), "the records stayed valid to the end")
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
