package buffer

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
)

// roundDir is where the buffer spills the round of partition p starting at
// start (whatever its number), or a name of none when there is no such
// directory.
func (h *harness) roundDir(p int32, start int64) string {
	stem := filepath.Join(h.dir, model.FileName("t", p, start))
	if dirs, _ := filepath.Glob(stem + ".*" + spillSuffix); len(dirs) == 1 {
		return dirs[0]
	}
	return stem + spillSuffix
}

func TestAssignCut(t *testing.T) {
	tests := []struct {
		name    string
		from    int64
		cut     *Cut
		offsets []int64
		want    []span
		skipped int64
	}{
		{
			name:    "exact cut ignores the policy and ends at End",
			from:    100,
			cut:     &Cut{Start: 100, End: 104},
			offsets: []int64{100, 101, 102, 103, 104, 105, 106},
			// MaxRecords is 2: the cut round holds 5, then the policy applies.
			want: []span{{100, 104, 100, 5, TriggerForced}, {105, 106, 105, 2, TriggerCount}},
		},
		{
			name:    "cut with gaps",
			from:    90,
			cut:     &Cut{Start: 100, End: 110},
			offsets: []int64{100, 103, 110, 111, 112},
			want:    []span{{100, 110, 90, 3, TriggerForced}, {111, 112, 111, 2, TriggerCount}},
		},
		{
			name: "the cut's last offset is missing and a later one arrives",
			from: 100,
			cut:  &Cut{Start: 100, End: 104},
			// 103 and 104 were compacted away: 106 seals the cut round, which
			// still ends at 104 (it completes the pending round [100..104]),
			// and the chain goes on from 105.
			offsets: []int64{100, 101, 102, 106, 107},
			want:    []span{{100, 104, 100, 3, TriggerForced}, {106, 107, 105, 2, TriggerCount}},
		},
		{
			name: "the cut's first offset is missing",
			from: 100,
			cut:  &Cut{Start: 100, End: 104},
			// The round keeps the pending round's identity: Start and file
			// names stay those of [100..104].
			offsets: []int64{102, 103, 104},
			want:    []span{{100, 104, 100, 3, TriggerForced}},
		},
		{
			name: "every record of the cut is gone",
			from: 100,
			cut:  &Cut{Start: 100, End: 104},
			// Retention removed [100..104]: the pending round is completed
			// without files and the chain goes on from 105.
			offsets: []int64{106, 107},
			want:    []span{{100, 104, 100, 0, TriggerForced}, {106, 107, 105, 2, TriggerCount}},
		},
		{
			name:    "no cut: From is the assigned offset",
			from:    7,
			offsets: []int64{9, 10},
			want:    []span{{9, 10, 7, 2, TriggerCount}},
		},
		{
			name: "records Kafka sends again before the durable offset are skipped",
			from: 7,
			// Kafka's committed offset lagged the bucket by three records.
			offsets: []int64{4, 5, 6, 7, 8},
			want:    []span{{7, 8, 7, 2, TriggerCount}},
			skipped: 3,
		},
		{
			name:    "records before a cut are skipped",
			from:    100,
			cut:     &Cut{Start: 102, End: 104},
			offsets: []int64{99, 100, 101, 102, 103, 104, 105, 106},
			want:    []span{{102, 104, 100, 3, TriggerForced}, {105, 106, 105, 2, TriggerCount}},
			skipped: 3,
		},
		{
			name:    "no cut, unknown offset: From is the first offset",
			from:    -1,
			offsets: []int64{42, 43, 44, 45},
			want:    []span{{42, 43, 42, 2, TriggerCount}, {44, 45, 44, 2, TriggerCount}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := loose()
			pol.MaxRecords = 2
			h := newHarness(t, pol)
			h.Assign("t", 0, tt.from, tt.cut)
			h.appendAll(t, 0, "d", tt.offsets...)
			got := h.pub.all()
			require.Equal(t, tt.want, spans(got))
			for _, r := range got {
				if r.Records == 0 {
					require.Empty(t, r.Files, "a vanished round has no files")
					continue
				}
				require.Len(t, r.Files, 1)
				assert.Equal(t, "d/t+0+"+pad20(r.Start)+".jsonl", r.Files[0].Key)
				var in []int64
				for _, o := range tt.offsets {
					if o >= r.Start && o <= r.End {
						in = append(in, o)
					}
				}
				assert.Equal(t, in, offsetsOf(t, r))
			}
			if tt.cut != nil {
				assert.Equal(t, int64(1), h.Stats().ByForced.Load())
			}
			assert.Equal(t, tt.skipped, h.Stats().Skipped.Load())
		})
	}
}

func pad20(n int64) string {
	s := strconv.FormatInt(n, 10)
	for len(s) < 20 {
		s = "0" + s
	}
	return s
}

func TestAssignDropsWhatWasBuffered(t *testing.T) {
	h := newHarness(t, loose())
	h.appendAll(t, 0, "d", 0, 1, 2)
	require.Positive(t, h.Buffered())
	h.Assign("t", 0, 1, nil) // re-placed on its durable offset
	assert.NoDirExists(t, h.roundDir(0, 0))
	assert.Zero(t, h.OpenFiles())
	assert.Zero(t, h.Buffered())
	h.appendAll(t, 0, "d", 1, 2)
	require.NoError(t, h.Drain(t.Context()))
	assert.Equal(t, []span{{1, 2, 1, 2, TriggerShutdown}}, spans(h.pub.all()))
}

func TestRevokeAndBreak(t *testing.T) {
	tests := []struct {
		name string
		drop func(h *harness)
		// discards says whether later records of the partition are
		// discarded until it is assigned again.
		discards bool
	}{
		{"revoke", func(h *harness) { h.Revoke("t", 0) }, false},
		{"break", func(h *harness) { h.Break("t", 0) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, loose())
			h.Assign("t", 0, 0, nil)
			h.appendAll(t, 0, "a", 0, 1)
			h.appendAll(t, 0, "b", 2)
			h.appendAll(t, 1, "a", 0)
			require.Equal(t, int64(3), h.OpenFiles())
			require.Positive(t, h.Buffered())

			tt.drop(h)
			assert.NoDirExists(t, h.roundDir(0, 0))
			assert.Equal(t, int64(1), h.OpenFiles(), "another partition is untouched")
			assert.Positive(t, h.Buffered(), "another partition is untouched")

			h.appendAll(t, 0, "a", 3, 4)
			if tt.discards {
				assert.Equal(t, int64(2), h.Stats().Discarded.Load())
				assert.NoDirExists(t, h.roundDir(0, 3))
				h.Assign("t", 0, 3, nil) // a new placement heals it
				h.appendAll(t, 0, "a", 3)
			} else {
				assert.Zero(t, h.Stats().Discarded.Load())
			}
			require.NoError(t, h.Drain(t.Context()))
			for _, r := range h.pub.all() {
				if r.Partition == 0 {
					assert.Equal(t, int64(3), r.Start)
				}
			}
			assert.Len(t, h.pub.all(), 2)
			assert.Zero(t, h.OpenFiles())
			assert.Zero(t, h.Buffered())
		})
	}
}

func TestPublishErrorBreaksTheChain(t *testing.T) {
	pol := loose()
	pol.MaxRecords = 2
	h := newHarness(t, pol)
	h.Assign("t", 0, 0, nil)
	h.appendAll(t, 0, "d", 0, 1) // published
	h.pub.fail(errPublish)
	h.appendAll(t, 0, "d", 2)
	err := h.appendOne(t.Context(), rec(0, 3, 1, t0), "d")
	require.ErrorIs(t, err, errPublish)

	select {
	case b := <-h.broken:
		assert.Equal(t, "t", b.Topic)
		assert.Equal(t, int32(0), b.Partition)
	default:
		t.Fatal("OnBroken was not called")
	}
	assert.NoDirExists(t, h.roundDir(0, 2), "the lost round's spill files are removed")
	assert.Zero(t, h.OpenFiles())
	assert.Zero(t, h.Buffered())

	h.pub.fail(nil)
	h.appendAll(t, 0, "d", 4, 5) // a later round would step over [2..3]
	assert.Equal(t, int64(2), h.Stats().Discarded.Load())
	assert.Len(t, h.pub.all(), 1)
	assert.Len(t, h.broken, 0, "OnBroken is called once")

	h.Assign("t", 0, 2, nil)
	h.appendAll(t, 0, "d", 2, 3)
	assert.Equal(t, []span{{0, 1, 0, 2, TriggerCount}, {2, 3, 2, 2, TriggerCount}}, spans(h.pub.all()))
}

// TestCutKeepStored marks the completion of a pending round as keeping the
// files already stored exactly when Kafka returned fewer of its records than
// its earlier owner read.
func TestCutKeepStored(t *testing.T) {
	tests := []struct {
		name    string
		cut     Cut
		offsets []int64
		keep    bool
	}{
		{"every record read again", Cut{Start: 100, End: 104, Records: 5}, []int64{100, 101, 102, 103, 104}, false},
		{"records gone from Kafka", Cut{Start: 100, End: 104, Records: 5}, []int64{100, 102, 104}, true},
		{"count unknown", Cut{Start: 100, End: 104}, []int64{100, 102, 104}, false},
		{"every record gone", Cut{Start: 100, End: 104, Records: 5}, []int64{105, 106}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := loose()
			pol.MaxRecords = 2
			h := newHarness(t, pol)
			h.Assign("t", 0, 100, &tt.cut)
			h.appendAll(t, 0, "d", tt.offsets...)
			got := h.pub.all()
			require.NotEmpty(t, got)
			assert.Equal(t, tt.keep, got[0].KeepStored)
			for _, r := range got[1:] {
				assert.False(t, r.KeepStored, "only the completion keeps stored files")
			}
		})
	}
}
