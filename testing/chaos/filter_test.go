//go:build chaos

package chaos

import (
	"context"
	"encoding/json"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
)

// filterStage is the stage every process runs with -chaos.filter: it drops
// one event in ten, by id, so that the rounds of every partition hold
// filtered offsets at any place (first, last, all of a round).
const filterStage = `  stages:
    - filter: {drop_if: 'id % 10 == 3'}
`

// filtered reports whether the filter stage drops the event with this id.
func filtered(id int64) bool { return *filterFlag && id%10 == 3 }

// rejected reports whether the event with this id does not fit the typed
// topic's schema (-chaos.typed): one in 25, never one the filter drops.
func rejected(id int64) bool { return *typedFlag && id%25 == 7 }

// expectDropped reads the topic back from the broker, up to end, and
// returns the offsets the filter stage must have dropped and those the
// parse stage must have dead-lettered, per partition.
func (h *harness) expectDropped(end map[int32]int64) (drop, reject map[int32]map[int64]bool) {
	t := h.t
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	start := map[string]map[int32]kgo.Offset{topic: {}}
	for part := range end {
		start[topic][part] = kgo.NewOffset().AtStart()
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(h.broker.Addr()), kgo.ConsumePartitions(start),
		kgo.FetchIsolationLevel(kgo.ReadCommitted())}, h.clientOpts()...)...)
	require.NoError(t, err)
	defer cl.Close()
	drop, reject = map[int32]map[int64]bool{}, map[int32]map[int64]bool{}
	mark := func(m map[int32]map[int64]bool, r *kgo.Record) {
		if m[r.Partition] == nil {
			m[r.Partition] = map[int64]bool{}
		}
		m[r.Partition][r.Offset] = true
	}
	next := map[int32]int64{}
	done := func() bool {
		for part, e := range end {
			if next[part] < e {
				return false
			}
		}
		return true
	}
	for !done() {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "reading the topic back")
		fs.EachRecord(func(r *kgo.Record) {
			next[r.Partition] = r.Offset + 1
			var ev event
			require.NoError(t, json.Unmarshal(r.Value, &ev), "offset %d/%d", r.Partition, r.Offset)
			switch {
			case rejected(ev.ID):
				mark(reject, r)
			case filtered(ev.ID):
				mark(drop, r)
			}
		})
	}
	return drop, reject
}
