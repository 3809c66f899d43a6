package buffer

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
)

// span is what a test expects of a sealed round.
type span struct {
	start, end, from, records int64
	trigger                   string
}

func spans(rounds []model.Round) []span {
	out := make([]span, len(rounds))
	for i, r := range rounds {
		out[i] = span{r.Start, r.End, r.From, r.Records, r.Trigger}
	}
	return out
}

// input is a record a table appends: its offset, value size and event time
// after t0.
type input struct {
	offset int64
	size   int
	event  time.Duration
}

func TestSealByPolicy(t *testing.T) {
	tests := []struct {
		name    string
		policy  func(*Policy)
		records []input
		want    []span
		counter func(*Stats) int64
	}{
		{
			name:   "max_bytes",
			policy: func(p *Policy) { p.MaxBytes = 100 },
			// 40+40 < 100, +40 reaches it; then 60+40 reaches it exactly.
			records: []input{{0, 40, 0}, {1, 40, 0}, {2, 40, 0}, {3, 60, 0}, {4, 40, 0}, {5, 1, 0}},
			want:    []span{{0, 2, 0, 3, TriggerSize}, {3, 4, 3, 2, TriggerSize}},
			counter: func(s *Stats) int64 { return s.BySize.Load() },
		},
		{
			name:    "max_records",
			policy:  func(p *Policy) { p.MaxRecords = 3 },
			records: []input{{10, 1, 0}, {11, 1, 0}, {12, 1, 0}, {13, 1, 0}, {14, 1, 0}, {15, 1, 0}, {16, 1, 0}},
			want:    []span{{10, 12, 10, 3, TriggerCount}, {13, 15, 13, 3, TriggerCount}},
			counter: func(s *Stats) int64 { return s.ByCount.Load() },
		},
		{
			name:   "max_event_span",
			policy: func(p *Policy) { p.MaxEventSpan = 10 * time.Minute },
			// Out-of-order event times count by the latest seen.
			records: []input{{0, 1, 0}, {1, 1, 9 * time.Minute}, {2, 1, time.Minute}, {3, 1, 10 * time.Minute},
				{4, 1, 30 * time.Minute}, {5, 1, 39 * time.Minute}},
			want:    []span{{0, 3, 0, 4, TriggerSpan}},
			counter: func(s *Stats) int64 { return s.BySpan.Load() },
		},
		{
			name:   "gaps in offsets",
			policy: func(p *Policy) { p.MaxRecords = 2 },
			// Compaction or transaction markers: the next round continues
			// from the previous End+1, not from its first offset.
			records: []input{{3, 1, 0}, {7, 1, 0}, {9, 1, 0}, {20, 1, 0}, {21, 1, 0}},
			want:    []span{{3, 7, 3, 2, TriggerCount}, {9, 20, 8, 2, TriggerCount}},
			counter: func(s *Stats) int64 { return s.ByCount.Load() },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := loose()
			tt.policy(&pol)
			h := newHarness(t, pol)
			var bytes int64
			for _, r := range tt.records {
				require.NoError(t, h.appendOne(t.Context(), rec(0, r.offset, r.size, t0.Add(r.event)), "d"))
				bytes += int64(r.size)
			}
			got := h.pub.all()
			assert.Equal(t, tt.want, spans(got))
			assert.Equal(t, int64(len(tt.want)), tt.counter(h.Stats()))
			assert.Equal(t, int64(len(tt.want)), h.Stats().Rounds.Load())
			assert.Equal(t, int64(len(tt.records)), h.Stats().Records.Load())
			assert.Equal(t, bytes, h.Stats().Bytes.Load())
			for _, r := range got {
				assert.Equal(t, seqOf(tt.records, r.Start, r.End), offsetsOf(t, r))
				var sum int64
				for _, in := range tt.records {
					if in.offset >= r.Start && in.offset <= r.End {
						sum += int64(in.size)
					}
				}
				assert.Equal(t, sum, r.Bytes, "bytes of [%d..%d]", r.Start, r.End)
			}
		})
	}
}

// seqOf lists the offsets of records within [lo..hi].
func seqOf(records []input, lo, hi int64) []int64 {
	var out []int64
	for _, r := range records {
		if r.offset >= lo && r.offset <= hi {
			out = append(out, r.offset)
		}
	}
	return out
}

func TestSealIdle(t *testing.T) {
	pol := loose()
	pol.Idle = time.Minute
	h := newHarness(t, pol)
	h.appendAll(t, 0, "d", 0, 1)
	h.clock.advance(30 * time.Second)
	h.appendAll(t, 0, "d", 2) // idle counts from the last record
	h.clock.advance(20 * time.Second)
	h.appendAll(t, 1, "d", 5)

	h.clock.advance(40*time.Second - time.Nanosecond)
	h.sweep(t.Context())
	assert.Empty(t, h.pub.all(), "sealed before the idle limit")

	h.clock.advance(time.Nanosecond)
	h.sweep(t.Context())
	assert.Equal(t, []span{{0, 2, 0, 3, TriggerIdle}}, spans(h.pub.all()))
	assert.Equal(t, int64(1), h.OpenFiles(), "partition 1 is not idle yet")

	h.clock.advance(20 * time.Second)
	h.sweep(t.Context())
	assert.Equal(t, []span{{0, 2, 0, 3, TriggerIdle}, {5, 5, 5, 1, TriggerIdle}}, spans(h.pub.all()))
	assert.Equal(t, int64(2), h.Stats().ByIdle.Load())
	assert.Zero(t, h.OpenFiles())
	assert.Zero(t, h.Buffered())
}

func TestSealOpenFiles(t *testing.T) {
	t.Run("on append", func(t *testing.T) {
		h := newHarness(t, loose(), func(c *Config, _ *Policy) { c.MaxOpenFiles = 2 })
		h.appendAll(t, 0, "a", 0)
		h.appendAll(t, 0, "b", 1)
		h.appendAll(t, 0, "a", 2) // a file already open: no seal
		require.Empty(t, h.pub.all())
		h.appendAll(t, 0, "c", 3) // a third file: seal first, then open it
		got := h.pub.all()
		require.Equal(t, []span{{0, 2, 0, 3, TriggerOpenFiles}}, spans(got))
		assert.Len(t, got[0].Files, 2)
		assert.Equal(t, int64(1), h.OpenFiles())
		assert.Equal(t, int64(1), h.Stats().ByOpenFiles.Load())
	})
	t.Run("on sweep, the widest round", func(t *testing.T) {
		h := newHarness(t, loose(), func(c *Config, _ *Policy) { c.MaxOpenFiles = 2 })
		h.appendAll(t, 0, "a", 0)
		h.appendAll(t, 0, "b", 1)
		h.appendAll(t, 1, "a", 7) // a round's first file always opens: 3 > 2
		require.Equal(t, int64(3), h.OpenFiles())
		h.sweep(t.Context())
		got := h.pub.all()
		require.Equal(t, []span{{0, 1, 0, 2, TriggerOpenFiles}}, spans(got))
		assert.Equal(t, int64(1), h.OpenFiles())
		h.sweep(t.Context())
		assert.Len(t, h.pub.all(), 1, "within the limit again")
	})
}

func TestDrain(t *testing.T) {
	h := newHarness(t, loose())
	h.appendAll(t, 0, "d", 0, 1, 2)
	h.appendAll(t, 1, "d", 40)
	h.Assign("t", 2, 10, &Cut{Start: 10, End: 20})
	h.appendAll(t, 2, "d", 10, 11) // an incomplete cut: dropped, not sealed

	require.NoError(t, h.Drain(t.Context()))
	got := spans(h.pub.all())
	assert.ElementsMatch(t, []span{{0, 2, 0, 3, TriggerShutdown}, {40, 40, 40, 1, TriggerShutdown}}, got)
	assert.Equal(t, int64(2), h.Stats().ByShutdown.Load())
	assert.NoDirExists(t, h.roundDir(2, 10))
	assert.Zero(t, h.OpenFiles())
	assert.Zero(t, h.Buffered())
	assert.ErrorIs(t, h.appendOne(t.Context(), rec(0, 3, 1, t0), "d"), ErrDraining)
	h.sweep(t.Context()) // does nothing while draining
	assert.Len(t, h.pub.all(), 2)
}
