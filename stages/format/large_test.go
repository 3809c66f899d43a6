package format_test

import (
	"bytes"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/stages/format"
)

// TestEncodeLargeParquet writes a file that spans several row groups and
// checks the cuts: every row group but the last ends on a chunk boundary
// because it reached the row or byte limit.
func TestEncodeLargeParquet(t *testing.T) {
	if testing.Short() {
		t.Skip("large file; skipped with -short")
	}
	const n = 300_000
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	recs := genRecords(n, 11, 300) // half random bytes: ~70 MB that barely compress
	path := writeSpill(t, t.TempDir(), recs, 25_000, mem)

	var buf bytes.Buffer
	peak := &peakAllocator{Allocator: mem}
	res, err := format.Encode(t.Context(), path, &buf, format.Config{}, peak)
	require.NoError(t, err)
	require.Equal(t, int64(n), res.Rows)
	t.Logf("%d bytes, peak Arrow memory while encoding %.1f MiB", buf.Len(), float64(peak.peak)/(1<<20))
	assert.Less(t, peak.peak, 64<<20, "encoder memory")

	rd, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	defer rd.Close()
	meta := rd.MetaData()
	assert.Equal(t, "sluice", meta.GetCreatedBy())
	require.Greater(t, rd.NumRowGroups(), 1, "expected several row groups")
	var rows int64
	for i := range rd.NumRowGroups() {
		rg := meta.RowGroup(i)
		rows += rg.NumRows()
		t.Logf("row group %d: %d rows, %d bytes compressed", i, rg.NumRows(), rg.TotalCompressedSize())
		if i < rd.NumRowGroups()-1 {
			assert.Zero(t, rg.NumRows()%4096, "row group %d ends off a chunk boundary", i)
		}
		// The limit is 32 MiB, checked before each chunk of at most 4 MiB.
		assert.LessOrEqual(t, rg.TotalCompressedSize(), int64(36<<20), "row group %d", i)
		col, err := rg.ColumnChunk(2) // offset
		require.NoError(t, err)
		assert.Equal(t, "ZSTD", col.Compression().String())
		stats, err := col.Statistics()
		require.NoError(t, err)
		require.NotNil(t, stats, "statistics are on")
		assert.True(t, stats.HasMinMax())
	}
	assert.Equal(t, int64(n), rows)

	got := readParquet(t, buf.Bytes())
	require.Len(t, got, n)
	for _, i := range []int{0, 1, 4095, 4096, 150_000, n - 1} {
		require.Equal(t, recs[i], got[i], "record %d", i)
	}
}
