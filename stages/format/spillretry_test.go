package format_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/format"
)

// fullDisk is a file that runs out of space: each of its first fails writes
// stores only half of what it is given and fails with ENOSPC.
type fullDisk struct {
	w     io.Writer
	fails int
}

func (d *fullDisk) Write(p []byte) (int, error) {
	if d.fails == 0 {
		return d.w.Write(p)
	}
	d.fails--
	n, err := d.w.Write(p[:len(p)/2])
	if err != nil {
		return n, err
	}
	return n, fmt.Errorf("write: %w", syscall.ENOSPC)
}

// TestSpillWriterRetries makes writes to a spill file fail half-way (a full
// disk) and checks a retried write continues where the file ends: every
// record reads back, Written is the file's size, and the retry function saw
// each failure.
func TestSpillWriterRetries(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	path := filepath.Join(t.TempDir(), "1.arrow")
	w, err := format.NewSpillWriter(path, mem)
	require.NoError(t, err)
	disk := &fullDisk{fails: 7}
	format.WrapSpillFile(w, func(f io.Writer) io.Writer { disk.w = f; return disk })
	var attempts []int
	w.SetRetry(func(err error, attempt int) bool {
		assert.ErrorIs(t, err, syscall.ENOSPC)
		attempts = append(attempts, attempt)
		return true
	})

	var want []model.Record
	for i := range 3000 {
		r := model.Record{Topic: "events", Partition: 1, Offset: int64(i), Timestamp: ts(1_790_000_000_000),
			Value: bytes.Repeat([]byte{'a' + byte(i%26)}, 300)}
		want = append(want, r)
		w.Append(&r)
		if i%1000 == 999 {
			require.NoError(t, w.Flush(), "batch %d", i/1000)
		}
	}
	require.NoError(t, w.Close())
	assert.Zero(t, disk.fails, "every fault was met")
	assert.Len(t, attempts, 7, "one retry per failure")
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, info.Size(), w.Written())

	var out bytes.Buffer
	res, err := format.Encode(t.Context(), path, &out, format.Config{Type: format.TypeJSONL, Compression: format.CompressionNone}, mem)
	require.NoError(t, err)
	assert.Equal(t, int64(len(want)), res.Rows)
	assert.Equal(t, want, readJSONL(t, out.Bytes(), format.CompressionNone))
}

// TestSpillWriterGivesUp checks that once the retry function gives up, the
// error reaches Flush and stays.
func TestSpillWriterGivesUp(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	w, err := format.NewSpillWriter(filepath.Join(t.TempDir(), "1.arrow"), mem)
	require.NoError(t, err)
	format.WrapSpillFile(w, func(f io.Writer) io.Writer { return &fullDisk{w: f, fails: 100} })
	tries := 0
	w.SetRetry(func(error, int) bool { tries++; return tries < 3 })
	r := model.Record{Topic: "events", Value: []byte("v")}
	w.Append(&r)
	err = w.Flush()
	require.ErrorIs(t, err, syscall.ENOSPC)
	assert.Equal(t, 3, tries)
	require.ErrorIs(t, w.Flush(), syscall.ENOSPC, "sticky")
	w.Abort()
}
