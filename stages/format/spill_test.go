package format_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/stages/format"
)

func TestSpillWriterCounts(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	path := filepath.Join(t.TempDir(), "s.arrows")
	w, err := format.NewSpillWriter(path, mem)
	require.NoError(t, err)
	assert.Equal(t, path, w.Path())
	require.NoError(t, w.Flush(), "flush with nothing buffered")

	recs := edgeRecords()
	payload := 0
	for i := range recs {
		w.Append(&recs[i])
		payload += recs[i].Size()
	}
	assert.Equal(t, int64(len(recs)), w.Rows())
	assert.GreaterOrEqual(t, w.Buffered(), payload, "buffered counts at least the payload")
	assert.Positive(t, mem.CurrentAlloc())

	require.NoError(t, w.Flush())
	assert.Zero(t, w.Buffered())
	assert.Equal(t, int64(len(recs)), w.Rows(), "rows count flushed records too")
	w.Append(&recs[0])
	assert.Equal(t, int64(len(recs)+1), w.Rows())
	require.NoError(t, w.Close())

	require.ErrorIs(t, w.Close(), format.ErrClosed)
	require.ErrorIs(t, w.Flush(), format.ErrClosed)
	w.Append(&recs[0]) // ignored, no panic
	assert.Equal(t, int64(len(recs)+1), w.Rows())

	res, err := format.Encode(t.Context(), path, nopWriter{}, format.Config{}, mem)
	require.NoError(t, err)
	assert.Equal(t, int64(len(recs)+1), res.Rows)

	w.Abort() // after Close: removes the file
	_, err = os.Stat(path)
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestSpillWriterAbort(t *testing.T) {
	tests := []struct {
		name       string
		flushFirst bool
	}{{"buffered only", false}, {"after a flush", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			path := filepath.Join(t.TempDir(), "s.arrows")
			w, err := format.NewSpillWriter(path, mem)
			require.NoError(t, err)
			recs := genRecords(50, 9, 10)
			for i := range recs {
				w.Append(&recs[i])
			}
			if tt.flushFirst {
				require.NoError(t, w.Flush())
			}
			w.Abort()
			w.Abort()
			_, err = os.Stat(path)
			require.ErrorIs(t, err, os.ErrNotExist)
			require.ErrorIs(t, w.Close(), format.ErrClosed)
		})
	}
}

func TestSpillWriterNotClosed(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	path := filepath.Join(t.TempDir(), "s.arrows")
	w, err := format.NewSpillWriter(path, mem)
	require.NoError(t, err)
	recs := genRecords(10, 9, 10)
	for i := range recs {
		w.Append(&recs[i])
	}
	require.NoError(t, w.Flush()) // on disk, but the stream has no end yet
	_, err = format.Encode(t.Context(), path, nopWriter{}, format.Config{}, mem)
	require.ErrorIs(t, err, format.ErrCorruptSpill)
	w.Abort()
	mem.AssertSize(t, 0)
}

// The spill file is created, with its directory, by its first write: a path
// that cannot be created fails there, and the writer holds no memory after.
func TestNewSpillWriterBadPath(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	w, err := format.NewSpillWriter(filepath.Join(file, "s.arrows"), mem)
	require.NoError(t, err)
	w.Append(&genRecords(1, 1, 10)[0])
	require.Error(t, w.Flush(), "the parent is a file")
	require.Error(t, w.Close())
	w.Abort()
	mem.AssertSize(t, 0)

	w, err = format.NewSpillWriter(filepath.Join(t.TempDir(), "missing", "s.arrows"), mem)
	require.NoError(t, err)
	w.Append(&genRecords(1, 1, 10)[0])
	require.NoError(t, w.Close(), "a missing directory is created")
	w.Abort()
	mem.AssertSize(t, 0)
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }
