package kafka

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/testing/kafkatest"
)

const group = "sluice-test"

// assignments records the Coordinator's calls and answers Assigned with
// positions.
type assignments struct {
	mu        sync.Mutex
	positions map[int32]int64
	assigned  [][]int32
	revoked   []int32 // in the order of the calls
}

func (a *assignments) Assigned(_ context.Context, topic string, partitions []int32) (map[int32]int64, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.assigned = append(a.assigned, slices.Clone(partitions))
	out := map[int32]int64{}
	for _, p := range partitions {
		if off, ok := a.positions[p]; ok {
			out[p] = off
		}
	}
	return out, nil
}

func (a *assignments) Revoked(topic string, partitions []int32) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.revoked = append(a.revoked, partitions...)
}

func (a *assignments) place(pos map[int32]int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.positions = pos
}

func (a *assignments) calls() (assigned [][]int32, revoked []int32) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.assigned), slices.Clone(a.revoked)
}

func testConfig(brokers []string, topics ...string) Config {
	cfg := DefaultConfig()
	cfg.Brokers, cfg.Topics, cfg.Group = brokers, topics, group
	cfg.SessionTimeout = 6 * time.Second
	return cfg
}

// consume subscribes to topic with coord and reads records, acking each,
// until until returns true for what was read (per partition, in order).
func consume(t *testing.T, cfg Config, coord *Coordinator, topic string,
	until func(got map[int32][]model.Record) bool) (map[int32][]model.Record, func()) {
	t.Helper()
	sub, err := NewSubscriber(cfg, coord, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	msgs, err := sub.Subscribe(ctx, topic)
	require.NoError(t, err)
	closeSub := func() {
		cancel()
		require.NoError(t, sub.Close())
	}
	got := map[int32][]model.Record{}
	for !until(got) {
		select {
		case m, ok := <-msgs:
			if !ok {
				closeSub()
				t.Fatalf("subscription ended early; read %v", offsets(got))
			}
			rec, err := RecordFrom(m)
			require.NoError(t, err)
			got[rec.Partition] = append(got[rec.Partition], rec)
			m.Ack()
		case <-ctx.Done():
			closeSub()
			t.Fatalf("timed out; read %v", offsets(got))
		}
	}
	return got, closeSub
}

func offsets(got map[int32][]model.Record) map[int32][]int64 {
	out := map[int32][]int64{}
	for p, rs := range got {
		for _, r := range rs {
			out[p] = append(out[p], r.Offset)
		}
	}
	return out
}

// reached is true once every partition in want has a record at or past its offset.
func reached(want map[int32]int64) func(map[int32][]model.Record) bool {
	return func(got map[int32][]model.Record) bool {
		for p, o := range want {
			rs := got[p]
			if len(rs) == 0 || rs[len(rs)-1].Offset < o {
				return false
			}
		}
		return true
	}
}

func TestCoordinator(t *testing.T) {
	const topic = "events"
	kc := kafkatest.Start(t, 2, topic)
	for p := range int32(2) {
		var recs []kafkatest.Record
		for i := range 50 {
			recs = append(recs, kafkatest.Record{Partition: p, Value: []byte{byte(i)}})
		}
		kc.Produce(t, topic, recs...)
	}
	cfg := testConfig(kc.Brokers(), topic)
	assign := &assignments{}
	coord := NewCoordinator(assign, nil)
	assert.False(t, coord.Joined(), "joined before any session")

	// Session 1: partition 0 placed at 5, partition 1 where Kafka says
	// (nothing committed: the oldest offset).
	assign.place(map[int32]int64{0: 5, 1: -1})
	got, closeSub := consume(t, cfg, coord, topic, reached(map[int32]int64{0: 15, 1: 10}))
	assert.Equal(t, int64(5), got[0][0].Offset, "starts exactly at the durable position")
	assert.Equal(t, int64(0), got[1][0].Offset)
	assert.True(t, coord.Owned(topic, 0))
	assert.True(t, coord.Joined())
	// Setup committed the placement; acking 10+ records per partition
	// committed nothing more.
	assert.Equal(t, map[int32]int64{0: 5}, kc.Committed(t, group, topic), "acks commit nothing")

	require.NoError(t, coord.Commit(topic, 0, 20))
	assert.Equal(t, map[int32]int64{0: 20}, kc.Committed(t, group, topic), "Commit commits exactly the offset")
	closeSub()

	assigned, revoked := assign.calls()
	assert.Equal(t, [][]int32{{0, 1}}, assigned)
	assert.ElementsMatch(t, []int32{0, 1}, revoked, "Revoked is called on close")
	assert.False(t, coord.Owned(topic, 0))
	require.ErrorIs(t, coord.Commit(topic, 1, 7), ErrNotOwner)
	assert.Equal(t, map[int32]int64{0: 20}, kc.Committed(t, group, topic))

	// Session 2: forward past the committed 20; the unowned commit of
	// partition 1 reaches Kafka once the partition is consumed again, without
	// moving where it is read from.
	assign.place(map[int32]int64{0: 30, 1: -1})
	got, closeSub = consume(t, cfg, coord, topic, reached(map[int32]int64{0: 31, 1: 1}))
	assert.Equal(t, int64(30), got[0][0].Offset, "moved forward")
	assert.Equal(t, int64(0), got[1][0].Offset, "started before the unsynced commit")
	assert.Equal(t, map[int32]int64{0: 30, 1: 7}, kc.Committed(t, group, topic))
	closeSub()

	// Session 3: back before the committed 30.
	assign.place(map[int32]int64{0: 12, 1: -1})
	got, closeSub = consume(t, cfg, coord, topic, reached(map[int32]int64{0: 12, 1: 7}))
	assert.Equal(t, int64(12), got[0][0].Offset, "moved back")
	assert.Equal(t, int64(7), got[1][0].Offset, "Kafka's committed offset")
	assert.Equal(t, map[int32]int64{0: 12, 1: 7}, kc.Committed(t, group, topic))
	closeSub()

	_, revoked = assign.calls()
	assert.Len(t, revoked, 6, "each partition revoked at the end of each session")
}

// TestRecordRoundTrip produces records through a real broker and reads them
// back through the Subscriber: keys, values and headers arrive unchanged.
func TestRecordRoundTrip(t *testing.T) {
	const topic = "rt"
	kc := kafkatest.Start(t, 1, topic)
	cases := recordCases()
	ts := time.Date(2026, 11, 22, 1, 2, 3, 4_000_000, time.UTC)
	for _, tc := range cases {
		var hs []kgo.RecordHeader
		for _, h := range tc.headers {
			hs = append(hs, kgo.RecordHeader{Key: h.Key, Value: h.Value})
		}
		kc.Produce(t, topic, kafkatest.Record{Key: tc.key, Value: tc.value, Headers: hs, Timestamp: ts})
	}
	coord := NewCoordinator(&assignments{}, nil)
	got, closeSub := consume(t, testConfig(kc.Brokers(), topic), coord, topic,
		reached(map[int32]int64{0: int64(len(cases) - 1)}))
	closeSub()
	require.Len(t, got[0], len(cases))
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := got[0][i]
			assert.Equal(t, topic, rec.Topic)
			assert.Equal(t, int64(i), rec.Offset)
			assert.Equal(t, ts, rec.Timestamp)
			assertRecord(t, tc, rec)
		})
	}
}

// TestResync ends a partition's consumption: the group rejoins and Setup
// places the partition on its durable position again.
func TestResync(t *testing.T) {
	const topic = "events"
	kc := kafkatest.Start(t, 1, topic)
	var recs []kafkatest.Record
	for i := range 30 {
		recs = append(recs, kafkatest.Record{Value: []byte{byte(i)}})
	}
	kc.Produce(t, topic, recs...)
	assign := &assignments{}
	coord := NewCoordinator(assign, nil)
	coord.Resync(topic, 0) // not owned: nothing to do

	assign.place(map[int32]int64{0: 10})
	resynced := false
	got, closeSub := consume(t, testConfig(kc.Brokers(), topic), coord, topic, func(got map[int32][]model.Record) bool {
		rs := got[0]
		if !resynced && len(rs) > 0 && rs[len(rs)-1].Offset == 15 {
			assign.place(map[int32]int64{0: 3}) // the bucket says 3 now
			coord.Resync(topic, 0)
			resynced = true
		}
		return resynced && rs[len(rs)-1].Offset == 3
	})
	defer closeSub()
	offs := offsets(got)[0]
	assert.Equal(t, int64(10), offs[0])
	assert.Equal(t, int64(3), offs[len(offs)-1], "read again from the new durable position")
	assigned, revoked := assign.calls()
	assert.Len(t, assigned, 2)
	assert.Len(t, revoked, 1)
}
