package kafka

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// txnStep is one step of a produced partition: n records in a transaction
// that commits or aborts, or n records outside any transaction.
type txnStep struct {
	n     int
	txn   bool
	abort bool
}

// produceSteps produces the steps into partition 0 of topic with one
// transactional producer and returns the offsets of the data records, per
// isolation level (committed: what read_committed reads).
func produceSteps(t *testing.T, brokers []string, topic string, steps []txnStep) (uncommitted, committed []int64) {
	return produceSized(t, brokers, topic, 0, steps)
}

// produceSized is produceSteps with values padded to size bytes.
func produceSized(t *testing.T, brokers []string, topic string, size int, steps []txnStep) (uncommitted, committed []int64) {
	t.Helper()
	ctx := t.Context()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.TransactionalID("offsets-test"),
		kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0), kgo.ProducerBatchCompression(kgo.NoCompression()))
	require.NoError(t, err)
	defer cl.Close()
	plain, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0), kgo.ProducerBatchCompression(kgo.NoCompression()))
	require.NoError(t, err)
	defer plain.Close()
	for i, s := range steps {
		var recs []*kgo.Record
		for j := range s.n {
			v := []byte(strconv.Itoa(i*1000 + j))
			recs = append(recs, &kgo.Record{Value: append(v, make([]byte, max(0, size-len(v)))...)})
		}
		p := plain
		if s.txn {
			p = cl
			require.NoError(t, cl.BeginTransaction())
		}
		res := p.ProduceSync(ctx, recs...)
		require.NoError(t, res.FirstErr())
		for _, r := range res {
			uncommitted = append(uncommitted, r.Record.Offset)
			if !s.abort {
				committed = append(committed, r.Record.Offset)
			}
		}
		if s.txn {
			commit := kgo.TryCommit
			if s.abort {
				commit = kgo.TryAbort
			}
			require.NoError(t, cl.EndTransaction(ctx, commit))
		}
	}
	return uncommitted, committed
}

// ranges turns sorted offsets into merged ranges.
func ranges(offsets []int64) []OffsetRange {
	var out []OffsetRange
	for _, o := range offsets {
		if k := len(out) - 1; k >= 0 && out[k].End+1 == o {
			out[k].End = o
			continue
		}
		out = append(out, OffsetRange{o, o})
	}
	return out
}

// clip keeps the parts of rs inside [lo..hi].
func clip(rs []OffsetRange, lo, hi int64) []OffsetRange {
	var out []OffsetRange
	for _, r := range rs {
		if r.End >= lo && r.Start <= hi {
			out = append(out, OffsetRange{max(r.Start, lo), min(r.End, hi)})
		}
	}
	return out
}

func startCluster(t *testing.T, topic string) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

func newInspector(t *testing.T, brokers []string) *Inspector {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Brokers = brokers
	in, err := NewInspector(cfg)
	require.NoError(t, err)
	t.Cleanup(in.Close)
	return in
}

func TestInspectorPresentOffsets(t *testing.T) {
	const topic = "txn"
	c := startCluster(t, topic)
	steps := []txnStep{
		{n: 3, txn: true}, {n: 2, txn: true, abort: true}, {n: 2},
		{n: 4, txn: true, abort: true}, {n: 1, txn: true}, {n: 5},
	}
	uncommitted, committed := produceSteps(t, c.ListenAddrs(), topic, steps)
	in := newInspector(t, c.ListenAddrs())
	sc, err := SaramaConfig(DefaultConfig())
	require.NoError(t, err)
	assert.Equal(t, sc.Consumer.IsolationLevel == sarama.ReadCommitted, in.ReadCommitted(), "reads as the consumer does")
	wm, err := in.Watermarks(t.Context(), topic)
	require.NoError(t, err)
	require.Contains(t, wm, int32(0))
	end := wm[0].End
	// Each transaction adds one marker offset.
	assert.Equal(t, int64(len(uncommitted))+4, end)
	assert.Equal(t, Watermarks{Start: 0, End: end, Stable: end}, wm[0])

	for _, committedMode := range []bool{false, true} {
		want := ranges(uncommitted)
		if committedMode {
			want = ranges(committed)
		}
		tests := []struct {
			name     string
			from, to int64
		}{
			{"whole log", 0, end - 1},
			{"from a marker", 3, end - 1},
			{"inside an aborted transaction", 5, 9},
			{"one offset", 1, 1},
			{"past the end", end - 2, end + 10},
		}
		for _, tt := range tests {
			t.Run(tt.name+"/committed="+strconv.FormatBool(committedMode), func(t *testing.T) {
				in.committed = committedMode
				res, err := in.PresentOffsets(t.Context(), topic, 0, tt.from, tt.to, 0)
				require.NoError(t, err)
				assert.Greater(t, res.Next, min(tt.to, end-1), "examined the whole range")
				assert.LessOrEqual(t, res.Next, end)
				assert.Equal(t, clip(want, tt.from, res.Next-1), res.Present)
				assert.Positive(t, res.Bytes)
			})
		}
	}
	in.committed = false

	t.Run("budget", func(t *testing.T) {
		res, err := in.PresentOffsets(t.Context(), topic, 0, 0, end-1, 1)
		require.NoError(t, err)
		assert.Positive(t, res.Next)
		assert.Equal(t, clip(ranges(uncommitted), 0, res.Next-1), res.Present)
	})
	t.Run("unknown partition", func(t *testing.T) {
		_, err := in.PresentOffsets(t.Context(), topic, 7, 0, 10, 0)
		require.ErrorIs(t, err, ErrUnknownPartition)
		_, err = in.Watermarks(t.Context(), "nope")
		require.ErrorIs(t, err, ErrUnknownPartition)
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := in.PresentOffsets(ctx, topic, 0, 0, end-1, 0)
		require.ErrorIs(t, err, context.Canceled)
	})
}

func TestInspectorWatermarks(t *testing.T) {
	const topic = "wm"
	c := startCluster(t, topic)
	produceSteps(t, c.ListenAddrs(), topic, []txnStep{{n: 10}})
	in := newInspector(t, c.ListenAddrs())

	// Retention: delete the records below 4.
	adm := kadm.NewClient(in.cl)
	off := kadm.Offsets{}
	off.Add(kadm.Offset{Topic: topic, Partition: 0, At: 4})
	res, err := adm.DeleteRecords(t.Context(), off)
	require.NoError(t, err)
	require.NoError(t, res.Error())

	// An open transaction holds the last stable offset back.
	tx, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.TransactionalID("open"),
		kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	require.NoError(t, err)
	defer tx.Close()
	require.NoError(t, tx.BeginTransaction())
	require.NoError(t, tx.ProduceSync(t.Context(), &kgo.Record{Value: []byte("open")}).FirstErr())

	wm, err := in.Watermarks(t.Context(), topic)
	require.NoError(t, err)
	assert.Equal(t, map[int32]Watermarks{0: {Start: 4, End: 11, Stable: 10}}, wm)

	// Below the log start: the broker refuses.
	_, err = in.PresentOffsets(t.Context(), topic, 0, 0, 5, 0)
	require.Error(t, err)
	// Under read_committed the scan ends at the last stable offset.
	in.committed = true
	p, err := in.PresentOffsets(t.Context(), topic, 0, 4, 20, 0)
	require.NoError(t, err)
	assert.Equal(t, Presence{Present: []OffsetRange{{4, 9}}, Next: 10, Bytes: p.Bytes}, p)
	require.NoError(t, tx.EndTransaction(t.Context(), kgo.TryAbort))
}

func TestInspectorUnreachable(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Brokers = []string{"127.0.0.1:1"}
	cfg.DialTimeout = 500 * time.Millisecond
	in, err := NewInspector(cfg)
	require.NoError(t, err)
	defer in.Close()
	start := time.Now()
	_, err = in.Watermarks(t.Context(), "t")
	require.Error(t, err)
	assert.False(t, errors.Is(err, ErrUnknownPartition))
	assert.Less(t, time.Since(start), 15*time.Second)
}

// TestInspectorChunks scans a log larger than one fetch, whole and within a
// byte budget.
func TestInspectorChunks(t *testing.T) {
	const topic = "big"
	c := startCluster(t, topic)
	uncommitted, _ := produceSized(t, c.ListenAddrs(), topic, 8<<10, []txnStep{{n: 150, txn: true}, {n: 150}})
	in := newInspector(t, c.ListenAddrs())
	end := uncommitted[len(uncommitted)-1] + 1

	res, err := in.PresentOffsets(t.Context(), topic, 0, 0, end-1, 0)
	require.NoError(t, err)
	assert.Equal(t, end, res.Next)
	assert.Greater(t, res.Bytes, int64(2*fetchChunk))
	assert.Equal(t, ranges(uncommitted), res.Present)

	res, err = in.PresentOffsets(t.Context(), topic, 0, 0, end-1, 1)
	require.NoError(t, err)
	assert.Less(t, res.Next, end, "one fetch within the budget")
	assert.Positive(t, res.Next)
	assert.LessOrEqual(t, res.Bytes, int64(fetchChunk))
	assert.Equal(t, clip(ranges(uncommitted), 0, res.Next-1), res.Present)
}

func TestInspectorCommitted(t *testing.T) {
	const topic = "committed"
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, topic, "other"))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	produceSteps(t, c.ListenAddrs(), topic, []txnStep{{n: 10}})
	in := newInspector(t, c.ListenAddrs())

	got, err := in.Committed(t.Context(), "nobody", topic)
	require.NoError(t, err)
	assert.Empty(t, got, "a group that never committed")

	adm := kadm.NewClient(in.cl)
	off := kadm.Offsets{}
	off.Add(kadm.Offset{Topic: topic, Partition: 0, At: 7, LeaderEpoch: -1})
	off.Add(kadm.Offset{Topic: topic, Partition: 2, At: 0, LeaderEpoch: -1})
	off.Add(kadm.Offset{Topic: "other", Partition: 1, At: 3, LeaderEpoch: -1})
	res, err := adm.CommitOffsets(t.Context(), "g", off)
	require.NoError(t, err)
	require.NoError(t, res.Error())

	got, err = in.Committed(t.Context(), "g", topic)
	require.NoError(t, err)
	assert.Equal(t, map[int32]int64{0: 7, 2: 0}, got)
	got, err = in.Committed(t.Context(), "g", "other")
	require.NoError(t, err)
	assert.Equal(t, map[int32]int64{1: 3}, got)
}

func TestInspectorRecordTime(t *testing.T) {
	const topic = "stamps"
	c := startCluster(t, topic)
	base := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	stamped := func(from, n int) []*kgo.Record {
		var recs []*kgo.Record
		for i := from; i < from+n; i++ {
			recs = append(recs, &kgo.Record{Topic: topic, Value: []byte(strconv.Itoa(i)), Timestamp: base.Add(time.Duration(i) * time.Second)})
		}
		return recs
	}
	plain, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0))
	require.NoError(t, err)
	defer plain.Close()
	tx, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.TransactionalID("stamps"),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0))
	require.NoError(t, err)
	defer tx.Close()
	// Offsets 0..2 plain, 3..4 aborted with its marker at 5, 6 plain.
	require.NoError(t, plain.ProduceSync(t.Context(), stamped(0, 3)...).FirstErr())
	require.NoError(t, tx.BeginTransaction())
	require.NoError(t, tx.ProduceSync(t.Context(), stamped(3, 2)...).FirstErr())
	require.NoError(t, tx.EndTransaction(t.Context(), kgo.TryAbort))
	require.NoError(t, plain.ProduceSync(t.Context(), stamped(6, 1)...).FirstErr())
	in := newInspector(t, c.ListenAddrs())

	tests := []struct {
		name      string
		committed bool
		offset    int64
		want      int64 // -1: none
	}{
		{"first", false, 0, 0},
		{"middle", false, 2, 2},
		{"aborted record, uncommitted", false, 3, 3},
		{"aborted record, committed", true, 3, 6},
		{"marker", false, 5, 6},
		{"last", true, 6, 6},
		{"at the end", false, 7, -1},
		{"at the end, committed", true, 7, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in.committed = tt.committed
			s, ok, err := in.RecordTime(t.Context(), topic, 0, tt.offset)
			require.NoError(t, err)
			if tt.want < 0 {
				assert.False(t, ok)
				return
			}
			require.True(t, ok)
			assert.Equal(t, tt.want, s.Offset)
			assert.True(t, base.Add(time.Duration(tt.want)*time.Second).Equal(s.Time), "timestamp %s", s.Time)
		})
	}
	in.committed = false
	_, _, err = in.RecordTime(t.Context(), topic, 5, 0)
	require.ErrorIs(t, err, ErrUnknownPartition)
}
