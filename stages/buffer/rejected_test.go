package buffer

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/format"
)

// rejectIn moves the batch's records at offsets into Rejected, as a
// decoding parser does.
func rejectIn(b *model.Batch, offsets ...int64) *model.Batch {
	b.Reject(func(r *model.Record) error {
		for _, o := range offsets {
			if r.Offset == o {
				return errors.New("not a JSON object")
			}
		}
		return nil
	})
	return b
}

// deadLetterOf reads a round's dead-letter lines back, and their bytes.
func deadLetterOf(t *testing.T, r model.Round) ([]model.Rejection, []byte) {
	t.Helper()
	if r.DeadLetter == nil {
		return nil, nil
	}
	rc, err := r.DeadLetter.Open()
	require.NoError(t, err)
	defer rc.Close()
	data, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.Equal(t, r.DeadLetter.Bytes, int64(len(data)))
	var out []model.Rejection
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		rej, err := format.ParseRejection(sc.Bytes())
		require.NoError(t, err)
		out = append(out, rej)
	}
	require.Len(t, out, int(r.DeadLetter.Records))
	return out, data
}

func rejectedOffsets(rs []model.Rejection) []int64 {
	var out []int64
	for _, r := range rs {
		out = append(out, r.Record.Offset)
	}
	return out
}

// Rejected records belong to the round covering their offsets, like
// filtered ones: a round starts and ends on them, the record count counts
// them, and a round may hold only rejected records. The round keeps the
// records themselves, with their reason, in offset order.
func TestAppendAccountsForRejectedRecords(t *testing.T) {
	pol := loose()
	pol.MaxRecords = 6
	h := newHarness(t, pol)
	g := h.Assign("t", 0, 10, nil)

	b := rejectIn(batchOf(0, g, 10, 11, 13, 14, 15), 10, 14, 15)
	b.Filtered = model.OffsetsOf(model.OffsetRange{First: 12, Last: 12})
	require.NoError(t, h.Append(t.Context(), b), "6 offsets: the count seals the round")
	only := rejectIn(batchOf(0, g, 16, 17), 16, 17)
	require.NoError(t, h.Append(t.Context(), only))
	assert.Equal(t, int64(5), h.Stats().Rejected.Load())
	require.NoError(t, h.Drain(t.Context()))

	got := h.pub.all()
	require.Len(t, got, 2)
	first, second := got[0], got[1]
	assert.Equal(t, [3]int64{10, 10, 15}, [3]int64{first.From, first.Start, first.End}, "the round starts and ends on rejected records")
	assert.Equal(t, TriggerCount, first.Trigger)
	assert.Equal(t, int64(2), first.Records)
	assert.Equal(t, []int64{11, 13}, offsetsOf(t, first))
	assert.Equal(t, int64(1), first.Filtered)
	assert.Equal(t, int64(3), first.Rejected)
	assert.Equal(t, []model.OffsetRange{{First: 10, Last: 10}, {First: 14, Last: 15}}, first.RejectedRanges)
	rejs, _ := deadLetterOf(t, first)
	assert.Equal(t, []int64{10, 14, 15}, rejectedOffsets(rejs))
	assert.Equal(t, "not a JSON object", rejs[0].Reason)
	assert.Equal(t, rec(0, 14, 10, t0).Value, rejs[1].Record.Value, "the original bytes")
	require.Len(t, first.Files, 1, "the dead-letter lines are no file of the round")
	assert.NotNil(t, first.DeadLetter.Held, "a few lines are held in memory")

	assert.Equal(t, [3]int64{16, 16, 17}, [3]int64{second.From, second.Start, second.End})
	assert.Zero(t, second.Records)
	assert.Empty(t, second.Files, "a round of rejected records only has no files")
	rejs, _ = deadLetterOf(t, second)
	assert.Equal(t, []int64{16, 17}, rejectedOffsets(rejs))

	assert.Positive(t, h.Held(), "held lines count against the memory bound")
	first.Free()
	second.Free()
	assert.Zero(t, h.Held())
}

// Dead-letter lines past an open file's share of the memory bound go to
// the round's spill directory, counted on disk; the bytes are the same as
// when they are held, and a pending round reproduced from Kafka (a cut)
// gets the same rejected offsets and the same lines.
func TestRejectedSpilledAndReproduced(t *testing.T) {
	pol := loose()
	pol.MaxRecords = 8
	big := func(h *harness, g uint64) *model.Batch {
		b := batchOf(0, g)
		for o := int64(0); o < 8; o++ {
			r := rec(0, 100+o, 200<<10, t0) // 8 × 200 KiB: past one file's share
			r.Path = "d"
			b.Records = append(b.Records, *r)
		}
		return rejectIn(b, 100, 101, 103, 104, 105, 107)
	}
	small := newHarness(t, pol, func(c *Config, _ *Policy) { c.Memory = MinMemory })
	g := small.Assign("t", 0, 100, nil)
	require.NoError(t, small.Append(t.Context(), big(small, g)))
	rounds := small.pub.all()
	require.Len(t, rounds, 1)
	spilled := rounds[0]
	require.NotNil(t, spilled.DeadLetter)
	assert.Nil(t, spilled.DeadLetter.Held)
	require.NotEmpty(t, spilled.DeadLetter.Spill)
	assert.Equal(t, deadLetterFile, filepath.Base(spilled.DeadLetter.Spill))
	assert.Equal(t, filepath.Dir(spilled.DeadLetter.Spill), spilled.SpillDir())
	assert.Positive(t, small.DiskUsed(), "the spilled lines count on disk")
	rejs, spilledBytes := deadLetterOf(t, spilled)
	assert.Equal(t, []int64{100, 101, 103, 104, 105, 107}, rejectedOffsets(rejs))

	// The same records, the round pending in the bucket and read again.
	roomy := newHarness(t, pol)
	g = roomy.Assign("t", 0, 100, &Cut{Start: 100, End: 107, Records: 2})
	require.NoError(t, roomy.Append(t.Context(), big(roomy, g)))
	rounds = roomy.pub.all()
	require.Len(t, rounds, 1)
	held := rounds[0]
	assert.Equal(t, TriggerForced, held.Trigger)
	assert.False(t, held.KeepStored)
	assert.NotNil(t, held.DeadLetter.Held)
	_, heldBytes := deadLetterOf(t, held)
	assert.Equal(t, spilledBytes, heldBytes, "the same lines, held or spilled")
	assert.Equal(t, spilled.RejectedRanges, held.RejectedRanges)
	assert.Equal(t, spilled.Records, held.Records)

	spilled.Free()
	assert.NoDirExists(t, filepath.Dir(spilled.DeadLetter.Spill))
	held.Free()
}

// A halted or broken partition takes no rejected record either; a stale
// batch's rejected records are counted as stale.
func TestRejectedOfHaltedAndStalePartitions(t *testing.T) {
	h := newHarness(t, loose())
	g := h.Assign("t", 0, 0, nil)
	h.Halt("t", 0)
	require.NoError(t, h.Append(t.Context(), rejectIn(batchOf(0, g, 0, 1), 0)))
	assert.Equal(t, int64(2), h.Stats().Discarded.Load())
	assert.Zero(t, h.Stats().Rejected.Load())
	require.NoError(t, h.Append(t.Context(), rejectIn(batchOf(0, g+1, 2, 3), 3)))
	assert.Equal(t, int64(2), h.Stats().Stale.Load())
	require.NoError(t, h.Drain(t.Context()))
	assert.Empty(t, h.pub.all())
}

// A dropped round's dead-letter lines are let go: nothing stays buffered or
// on disk.
func TestRejectedDropped(t *testing.T) {
	h := newHarness(t, loose(), func(c *Config, _ *Policy) { c.Memory = MinMemory })
	g := h.Assign("t", 0, 0, nil)
	b := batchOf(0, g)
	for o := int64(0); o < 8; o++ {
		r := rec(0, o, 200<<10, t0)
		b.Records = append(b.Records, *r)
	}
	require.NoError(t, h.Append(t.Context(), rejectIn(b, 0, 1, 2, 3, 4, 5, 6, 7)))
	dirs, _ := filepath.Glob(filepath.Join(h.dir, "*.spill", deadLetterFile))
	require.Len(t, dirs, 1, "the lines spilled")
	h.Revoke("t", 0)
	assert.Zero(t, h.Buffered())
	_, err := os.Stat(dirs[0])
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Zero(t, h.DiskUsed())
}
