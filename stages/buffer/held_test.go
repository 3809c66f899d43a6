package buffer

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A round that fits in memory is held, not spilled: nothing is written to
// disk, its records count against Config.Memory until the round is freed,
// and open files share what is left.
func TestHeldRounds(t *testing.T) {
	pol := loose()
	pol.MaxRecords = 3
	h := newHarness(t, pol, func(c *Config, _ *Policy) { c.Memory = MinMemory })
	h.Assign("t", 0, 0, nil)
	for o := range int64(3) { // 900 KiB: within the 1 MiB share of one open file
		require.NoError(t, h.appendOne(t.Context(), rec(0, o, 300<<10, t0), "a"))
	}
	rounds := h.pub.all()
	require.Len(t, rounds, 1)
	r := rounds[0]
	require.Len(t, r.Files, 1)
	require.NotNil(t, r.Files[0].Held)
	assert.Empty(t, r.Files[0].Spill)
	assert.NoDirExists(t, h.roundDir(0, 0), "nothing was written to disk")
	assert.Zero(t, h.Buffered())
	assert.Greater(t, h.Held(), int64(900<<10))
	assert.Positive(t, h.alloc.CurrentAlloc(), "the round holds Arrow memory")
	assert.Equal(t, seq(0, 2), offsetsOf(t, r), "held records read as a spill would")

	// Another partition's file may hold only what the held round leaves:
	// 200 KiB is past its share, so it spills.
	h.Assign("t", 1, 0, nil)
	require.NoError(t, h.appendOne(t.Context(), rec(1, 0, 200<<10, t0), "b"))
	assert.DirExists(t, h.roundDir(1, 0), "the open file spilled")
	assert.LessOrEqual(t, h.Held()+h.Buffered(), int64(MinMemory))

	r.Free()
	r.Free() // idempotent
	assert.Zero(t, h.Held(), "freed rounds no longer count")
	require.NoError(t, h.Drain(t.Context()))
	rounds = h.pub.all()
	require.Len(t, rounds, 2)
	assert.Nil(t, rounds[1].Files[0].Held, "a file that spilled stays spilled")
	assert.Equal(t, []int64{0}, offsetsOf(t, rounds[1]))
	rounds[1].Free()
	assert.NoDirExists(t, h.roundDir(1, 0))
	h.alloc.AssertSize(t, 0)
}

// Held records of rounds dropped on the way are released: a round that
// cannot be published at once, and at Close every round still held.
func TestHeldRoundsReleased(t *testing.T) {
	pol := loose()
	pol.MaxRecords = 2
	h := newHarness(t, pol)
	h.Assign("t", 0, 0, nil)
	h.appendAll(t, 0, "d", 0, 1) // published and held, never freed
	require.Positive(t, h.Held())
	held := h.Held()

	h.pub.fail(errPublish)
	h.appendAll(t, 0, "d", 2)
	require.ErrorIs(t, h.appendOne(t.Context(), rec(0, 3, 1, t0), "d"), errPublish)
	assert.Equal(t, held, h.Held(), "the round that was not published is released")

	require.NoError(t, h.Close())
	assert.Zero(t, h.Held(), "Close releases the rounds still held")
	h.alloc.AssertSize(t, 0)
}
