package kafka

import (
	"context"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/testing/kafkatest"
)

// member is one consumer group member reading in the background.
type member struct {
	assign *assignments
	coord  *Coordinator
	stop   func()

	mu  sync.Mutex
	got map[int32][]int64 // offsets read, per partition
}

func startMember(t *testing.T, cfg Config, topic string, pos map[int32]int64) *member {
	t.Helper()
	m := &member{assign: &assignments{positions: pos}, got: map[int32][]int64{}}
	m.coord = NewCoordinator(m.assign, nil)
	sub, err := NewSubscriber(cfg, m.coord, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	msgs, err := sub.Subscribe(ctx, topic)
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for msg := range msgs {
			rec, err := RecordFrom(msg)
			if err == nil {
				m.mu.Lock()
				m.got[rec.Partition] = append(m.got[rec.Partition], rec.Offset)
				m.mu.Unlock()
			}
			msg.Ack()
		}
	}()
	var once sync.Once
	m.stop = func() {
		once.Do(func() {
			cancel()
			assert.NoError(t, sub.Close())
			<-done
		})
	}
	t.Cleanup(m.stop)
	return m
}

func (m *member) offsets() map[int32][]int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[int32][]int64, len(m.got))
	for p, o := range m.got {
		out[p] = slices.Clone(o)
	}
	return out
}

// waitRead waits until the member has read offset `through` of every
// partition in parts.
func (m *member) waitRead(t *testing.T, parts []int32, through int64) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		got := m.offsets()
		for _, p := range parts {
			o := got[p]
			if assert.NotEmpty(c, o, "partition %d", p) {
				assert.GreaterOrEqual(c, o[len(o)-1], through, "partition %d", p)
			}
		}
	}, 60*time.Second, 100*time.Millisecond)
}

// TestCooperativeRebalance scales a group from one member to two with the
// default cooperative-sticky assignor: the first member keeps half of its
// partitions without a pause (never revoked, never read twice), and the
// second starts each partition it gains at the durable position, whether
// Kafka's committed offset lags the bucket (consumption goes on and the
// pipeline skips) or is past it (the durable position is committed and the
// session restarts there).
func TestCooperativeRebalance(t *testing.T) {
	const topic, parts, perPart = "events", 4, 100
	tests := []struct {
		name      string
		committed int64 // Kafka's committed offset before the second member joins
		durable   int64 // what the bucket says for every partition
		wantFirst int64 // the second member's first offset per partition
		restarts  bool
	}{
		{"kafka behind the bucket", 20, 30, 20, false},
		{"kafka past the bucket", 40, 30, 30, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kc := kafkatest.Start(t, parts, topic)
			for p := range int32(parts) {
				var recs []kafkatest.Record
				for i := range perPart {
					recs = append(recs, kafkatest.Record{Partition: p, Value: []byte{byte(i)}})
				}
				kc.Produce(t, topic, recs...)
			}
			cfg := testConfig(kc.Brokers(), topic)
			all := []int32{0, 1, 2, 3}

			a := startMember(t, cfg, topic, nil)
			a.waitRead(t, all, perPart-1)
			for _, p := range all {
				require.NoError(t, a.coord.Commit(topic, p, tt.committed))
			}

			durable := map[int32]int64{}
			for _, p := range all {
				durable[p] = tt.durable
			}
			b := startMember(t, cfg, topic, durable)
			var gained []int32
			require.EventuallyWithT(t, func(c *assert.CollectT) {
				gained = slices.Sorted(maps.Keys(b.offsets()))
				assert.Len(c, gained, parts/2)
			}, 60*time.Second, 100*time.Millisecond)
			b.waitRead(t, gained, perPart-1)

			_, revokedA := a.assign.calls()
			assert.ElementsMatch(t, gained, revokedA, "the first member lets go of exactly what the second gains")
			assignedA, _ := a.assign.calls()
			assert.Len(t, assignedA, 1, "the first member is placed once, at the start")
			for p, offs := range a.offsets() {
				assert.Len(t, offs, perPart, "partition %d read once by the first member, never again", p)
			}
			for _, p := range gained {
				offs := b.offsets()[p]
				assert.Equal(t, tt.wantFirst, offs[0], "partition %d", p)
				assert.Equal(t, int(perPart-tt.wantFirst), len(offs), "partition %d read from its start once", p)
			}
			assignedB, revokedB := b.assign.calls()
			if tt.restarts {
				// place per partition (one may not start before the session
				// ends), then the restarted session's Setup.
				assert.GreaterOrEqual(t, len(assignedB), 2, "calls %v", assignedB)
				assert.LessOrEqual(t, len(assignedB), parts/2+1, "calls %v", assignedB)
				assert.ElementsMatch(t, gained, assignedB[len(assignedB)-1])
				assert.ElementsMatch(t, gained, revokedB, "the ended session let its partitions go")
				assert.Equal(t, tt.durable, kc.Committed(t, group, topic)[gained[0]], "the durable position was committed")
			} else {
				assert.Len(t, assignedB, parts/2, "one placement per gained partition: %v", assignedB)
				assert.Empty(t, revokedB)
			}
		})
	}
}
