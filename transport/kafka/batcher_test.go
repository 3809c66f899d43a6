package kafka

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
)

// batches records what a Batcher emits.
type batches struct {
	mu  sync.Mutex
	got []*model.Batch
}

func (b *batches) emit(_ context.Context, batch *model.Batch) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.got = append(b.got, batch)
	return nil
}

func (b *batches) all() []*model.Batch {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*model.Batch(nil), b.got...)
}

// feed sends the records as the Subscriber does: a partition's next record
// only once the previous one is acked; partitions interleaved.
func feed(t *testing.T, out chan<- *message.Message, topic string, partitions int32, perPartition int64, value []byte) {
	t.Helper()
	var wg sync.WaitGroup
	for p := range partitions {
		wg.Go(func() {
			for o := range perPartition {
				msg, err := Unmarshaler{}.Unmarshal(&sarama.ConsumerMessage{Topic: topic, Partition: p, Offset: o, Value: value})
				if !assert.NoError(t, err) {
					return
				}
				out <- msg
				<-msg.Acked()
			}
		})
	}
	wg.Wait()
}

// TestBatcherKeepsPartitionOrder: with several readers, each partition's
// records come out in offset order, in batches bounded by the record count,
// carrying the partition's generation; the linger emits the rest.
func TestBatcherKeepsPartitionOrder(t *testing.T) {
	var got batches
	b := NewBatcher(BatchConfig{Records: 7, Bytes: 1 << 20, Linger: 20 * time.Millisecond}, got.emit, nil)
	for p := range int32(4) {
		b.Assign("t", p, uint64(10+p))
	}
	msgs := make(chan *message.Message)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { b.Run(ctx) })
	wg.Go(func() { assert.NoError(t, b.Consume(ctx, msgs, 3)) })
	feed(t, msgs, "t", 4, 100, []byte("v"))
	require.Eventually(t, func() bool { return b.Records.Load() == 400 && len(b.open()) == 0 },
		5*time.Second, 5*time.Millisecond)
	cancel()
	wg.Wait()

	next := map[int32]int64{}
	for _, batch := range got.all() {
		require.NotEmpty(t, batch.Records)
		assert.LessOrEqual(t, len(batch.Records), 7)
		assert.Equal(t, uint64(10+batch.Partition), batch.Generation)
		for _, r := range batch.Records {
			require.Equal(t, batch.Partition, r.Partition)
			require.Equal(t, next[r.Partition], r.Offset, "partition %d out of order", r.Partition)
			next[r.Partition]++
		}
	}
	assert.Equal(t, map[int32]int64{0: 100, 1: 100, 2: 100, 3: 100}, next)
	assert.Zero(t, b.Dropped.Load())
}

// TestBatcherBounds: a batch is emitted when it reaches its bytes.
func TestBatcherBounds(t *testing.T) {
	var got batches
	b := NewBatcher(BatchConfig{Records: 1000, Bytes: 1 << 10, Linger: time.Hour}, got.emit, nil)
	b.Assign("t", 0, 1)
	msgs := make(chan *message.Message)
	done := make(chan error)
	go func() { done <- b.Consume(t.Context(), msgs, 1) }()
	feed(t, msgs, "t", 1, 10, make([]byte, 300))
	close(msgs)
	require.NoError(t, <-done)
	all := got.all()
	require.Len(t, all, 2, "4 records of 300 bytes reach 1 KiB; the last 2 wait for the linger")
	for _, batch := range all {
		assert.Len(t, batch.Records, 4)
	}
}

// TestBatcherAssignments: records of a partition with no assignment are
// dropped; a new assignment or a revocation drops the open batch, so a
// batch never mixes assignments.
func TestBatcherAssignments(t *testing.T) {
	var got batches
	b := NewBatcher(BatchConfig{Records: 1000, Bytes: 1 << 20, Linger: time.Hour}, got.emit, nil)
	add := func(p int32, o int64) {
		require.NoError(t, b.add(t.Context(), model.Record{Topic: "t", Partition: p, Offset: o}))
	}
	add(0, 0)
	assert.Equal(t, int64(1), b.Dropped.Load(), "no assignment yet")
	b.Assign("t", 0, 1)
	add(0, 1)
	add(0, 2)
	b.Assign("t", 0, 2) // revoked and assigned again, say
	assert.Equal(t, int64(3), b.Dropped.Load())
	add(0, 1)
	b.Revoke("t", 0)
	add(0, 2)
	assert.Equal(t, int64(5), b.Dropped.Load())
	assert.Empty(t, got.all())
	assert.Empty(t, b.open())
}

// open returns the partitions with an open batch.
func (b *Batcher) open() []partKey {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []partKey
	for k, p := range b.parts {
		p.mu.Lock()
		if p.batch != nil {
			out = append(out, k)
		}
		p.mu.Unlock()
	}
	return out
}
