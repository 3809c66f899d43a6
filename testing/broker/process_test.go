package broker_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/testing/broker"
)

// client returns a producer/admin client for the broker; closed in cleanup.
func client(t *testing.T, addr string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(addr),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(0),
	}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return cl
}

func TestTopicsAreSeeded(t *testing.T) {
	p := broker.Start(t, broker.Options{Topics: map[string]int32{"events": 4, "audit": 1}})
	adm := kadm.NewClient(client(t, p.Addr()))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	topics, err := adm.ListTopics(ctx)
	require.NoError(t, err)
	got := map[string]int{}
	for _, td := range topics.Sorted() {
		got[td.Topic] = len(td.Partitions)
	}
	assert.Equal(t, map[string]int{"events": 4, "audit": 1}, got)
}

func TestStopExitsOnSIGTERM(t *testing.T) {
	p := broker.Start(t, broker.Options{})
	require.True(t, p.Running())
	require.NoError(t, p.Stop(), "a clean exit after SIGTERM")
	assert.False(t, p.Running())
	require.ErrorIs(t, p.Stop(), broker.ErrNotRunning)
	assert.Contains(t, p.Output(), "shutting down")
}

// TestRestartKeepsData produces records and commits a group offset, takes
// the broker down (SIGKILL or SIGTERM, fsync on or off), starts it again on
// the same data dir and reads everything back.
func TestRestartKeepsData(t *testing.T) {
	tests := []struct {
		name   string
		kill   bool
		noSync bool
	}{
		{"sigkill with fsync", true, false},
		{"sigkill without fsync", true, true},
		{"sigterm", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const topic, group, n = "events", "archiver", 50
			p := broker.Start(t, broker.Options{Topics: map[string]int32{topic: 2}, NoSync: tt.noSync})
			addr := p.Addr()
			cl := client(t, addr)
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			defer cancel()
			var recs []*kgo.Record
			for i := range n {
				recs = append(recs, &kgo.Record{Topic: topic, Partition: int32(i % 2), Value: fmt.Appendf(nil, "v%d", i)})
			}
			require.NoError(t, cl.ProduceSync(ctx, recs...).FirstErr())
			adm := kadm.NewClient(cl)
			offsets := kadm.Offsets{}
			offsets.AddOffset(topic, 0, 7, -1)
			offsets.AddOffset(topic, 1, 11, -1)
			err := adm.CommitAllOffsets(ctx, group, offsets)
			require.NoError(t, err)
			cl.Close()

			if tt.kill {
				require.NoError(t, p.Kill())
			} else {
				require.NoError(t, p.Stop())
			}
			require.False(t, p.Running())
			p.Restart(t)
			require.Equal(t, addr, p.Addr(), "a restart keeps the address")

			adm = kadm.NewClient(client(t, addr))
			fetched, err := adm.FetchOffsets(ctx, group)
			require.NoError(t, err)
			committed := map[int32]int64{}
			fetched.Each(func(o kadm.OffsetResponse) { committed[o.Partition] = o.At })
			assert.Equal(t, map[int32]int64{0: 7, 1: 11}, committed)

			ends, err := adm.ListEndOffsets(ctx, topic)
			require.NoError(t, err)
			assert.Equal(t, int64(n/2), ends[topic][0].Offset)
			assert.Equal(t, int64(n/2), ends[topic][1].Offset)

			consumer := client(t, addr, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
			got := map[string]bool{}
			for len(got) < n && ctx.Err() == nil {
				fs := consumer.PollFetches(ctx)
				fs.EachRecord(func(r *kgo.Record) { got[string(r.Value)] = true })
			}
			require.Len(t, got, n, "every record is back after the restart")
			for i := range n {
				assert.True(t, got[fmt.Sprintf("v%d", i)], "record v%d", i)
			}
		})
	}
}
