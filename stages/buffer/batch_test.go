package buffer

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
)

// batchOf builds a batch of partition p's offsets, of generation gen, into
// output partition "d".
func batchOf(p int32, gen uint64, offsets ...int64) *model.Batch {
	b := &model.Batch{Topic: "t", Partition: p, Generation: gen}
	for _, o := range offsets {
		r := rec(p, o, 10, t0)
		r.Path = "d"
		b.Records = append(b.Records, *r)
	}
	return b
}

// TestAppendDropsBatchesOfAnEndedAssignment: a batch read under an
// assignment that ended (revoked, maybe assigned again) while it was on its
// way never reaches a round.
func TestAppendDropsBatchesOfAnEndedAssignment(t *testing.T) {
	h := newHarness(t, loose())
	g1 := h.Assign("t", 0, 0, nil)
	require.NotZero(t, g1)
	assert.Equal(t, g1, h.Generation("t", 0))
	require.NoError(t, h.Append(t.Context(), batchOf(0, g1, 0, 1, 2)))

	h.Revoke("t", 0)
	assert.Zero(t, h.Generation("t", 0))
	require.NoError(t, h.Append(t.Context(), batchOf(0, g1, 3, 4)), "revoked: dropped, not an error")
	g2 := h.Assign("t", 0, 0, nil)
	assert.NotEqual(t, g1, g2)
	require.NoError(t, h.Append(t.Context(), batchOf(0, g1, 3, 4)), "an earlier assignment's batch")
	require.NoError(t, h.Append(t.Context(), batchOf(0, g2, 0, 1)))
	assert.Equal(t, int64(4), h.Stats().Stale.Load())

	require.NoError(t, h.Drain(t.Context()))
	got := h.pub.all()
	require.Len(t, got, 1)
	assert.Equal(t, int64(0), got[0].Start)
	assert.Equal(t, int64(1), got[0].End, "only the current assignment's records")
	assert.Equal(t, int64(2), got[0].Records)
}

// TestAppendAccountsForFilteredRecords: offsets stages filtered extend the
// round and are counted in it, also at its ends and in a round with no kept
// record at all.
func TestAppendAccountsForFilteredRecords(t *testing.T) {
	pol := loose()
	pol.MaxRecords = 6 // kept and filtered count alike
	h := newHarness(t, pol)
	g := h.Assign("t", 0, 10, nil)

	b := batchOf(0, g, 11, 13, 14)
	b.Filtered = model.OffsetsOf(model.OffsetRange{First: 10, Last: 10}, model.OffsetRange{First: 12, Last: 12},
		model.OffsetRange{First: 15, Last: 15})
	require.NoError(t, h.Append(t.Context(), b), "6 offsets: the count seals the round")
	only := batchOf(0, g)
	only.Filtered = model.OffsetsOf(model.OffsetRange{First: 16, Last: 18})
	require.NoError(t, h.Append(t.Context(), only))
	require.NoError(t, h.Drain(t.Context()))

	got := h.pub.all()
	require.Len(t, got, 2)
	first, second := got[0], got[1]
	assert.Equal(t, [3]int64{10, 10, 15}, [3]int64{first.From, first.Start, first.End}, "the round starts and ends on filtered offsets")
	assert.Equal(t, int64(3), first.Records)
	assert.Equal(t, int64(3), first.Filtered)
	assert.Equal(t, []model.OffsetRange{{First: 10, Last: 10}, {First: 12, Last: 12}, {First: 15, Last: 15}}, first.FilteredRanges)
	assert.Equal(t, TriggerCount, first.Trigger)
	assert.Equal(t, [3]int64{16, 16, 18}, [3]int64{second.From, second.Start, second.End})
	assert.Zero(t, second.Records)
	assert.Empty(t, second.Files, "a round of filtered records only has no files")
	assert.Equal(t, int64(3), second.Filtered)
	assert.Equal(t, int64(6), h.Stats().Filtered.Load())
}

// TestHaltKeepsTheOpenRound: a halted partition takes no more records,
// and Drain still seals what it held.
func TestHaltKeepsTheOpenRound(t *testing.T) {
	h := newHarness(t, loose())
	g := h.Assign("t", 0, 0, nil)
	require.NoError(t, h.Append(t.Context(), batchOf(0, g, 0, 1, 2)))
	h.Halt("t", 0)
	require.NoError(t, h.Append(t.Context(), batchOf(0, g, 4, 5)), "after a lost batch: discarded")
	require.NoError(t, h.Drain(t.Context()))
	got := h.pub.all()
	require.Len(t, got, 1)
	assert.Equal(t, [2]int64{0, 2}, [2]int64{got[0].Start, got[0].End})
	assert.Equal(t, int64(2), h.Stats().Discarded.Load())
}
