package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
)

// BatchConfig bounds the micro-batches the Batcher gathers per partition.
type BatchConfig struct {
	// Records caps a batch's records. Default 1000.
	Records int `yaml:"records"`
	// Bytes caps a batch's payload bytes (model.Record.Size). Default 1MiB.
	Bytes conf.ByteSize `yaml:"bytes"`
	// Linger is the longest a record waits in a batch that is not full
	// before the batch goes on. Default 20ms.
	Linger time.Duration `yaml:"linger"`
}

// DefaultBatchConfig returns the batch bounds sluice uses unless told
// otherwise.
func DefaultBatchConfig() BatchConfig {
	return BatchConfig{Records: 1000, Bytes: 1 << 20, Linger: 20 * time.Millisecond}
}

// Validate reports every problem of the batch bounds.
func (c BatchConfig) Validate() error {
	var errs conf.Errors
	if c.Records < 1 || c.Records > 100_000 {
		errs.Addf("records", "must be between 1 and 100000, got %d", c.Records)
	}
	if c.Bytes < 1<<10 || c.Bytes > 64<<20 {
		errs.Addf("bytes", "must be between 1KiB and 64MiB, got %s", c.Bytes)
	}
	if c.Linger <= 0 || c.Linger > time.Minute {
		errs.Addf("linger", "must be positive and at most 1m, got %s", c.Linger)
	}
	return errs.Err()
}

// Emit takes a full (or lingering) batch on. It blocks while downstream is
// full and returns an error only when ctx is done or downstream closed.
type Emit func(ctx context.Context, b *model.Batch) error

// Batcher gathers the records watermill-kafka's Subscriber hands out into
// micro-batches per Kafka partition, in offset order.
//
// It acks every message as soon as the record is in its partition's batch:
// sluice's Coordinator makes acks commit nothing (the commit stage commits
// what is durable), so acking at once only lets the Subscriber hand out the
// partition's next record. Because the next record of a partition comes only
// after the ack, several readers may share one subscription and the records
// of a partition still enter their batch in order.
//
// Every batch carries the generation of its partition's assignment
// (Assign): a record that arrives under a new assignment never joins a batch
// of an earlier one, and records of a partition with no assignment are
// dropped (counted in Dropped). Revoke drops a partition's open batch.
type Batcher struct {
	cfg  BatchConfig
	emit Emit
	log  *slog.Logger
	now  func() time.Time

	mu    sync.RWMutex // guards parts
	parts map[partKey]*pending

	// Records counts records taken into batches, Batches batches emitted,
	// Dropped records of partitions without an assignment or of batches a
	// revocation dropped.
	Records, Batches, Dropped atomic.Int64
}

type partKey struct {
	topic     string
	partition int32
}

// pending is a partition's open batch.
type pending struct {
	mu    sync.Mutex
	gen   atomic.Uint64 // the partition's assignment; 0: none
	batch *model.Batch
	bytes int
	since time.Time // when the open batch took its first record
}

// NewBatcher returns a Batcher handing batches to emit; cfg must be valid.
func NewBatcher(cfg BatchConfig, emit Emit, logger *slog.Logger) *Batcher {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Batcher{cfg: cfg, emit: emit, log: logger, now: time.Now, parts: map[partKey]*pending{}}
}

// Assign records a partition's new assignment: records read from now on
// join batches of generation gen (non-zero).
func (b *Batcher) Assign(topic string, partition int32, gen uint64) {
	p := b.part(topic, partition)
	p.mu.Lock()
	defer p.mu.Unlock()
	b.dropOpen(p)
	p.gen.Store(gen)
}

// Revoke drops the partition's open batch and its assignment.
func (b *Batcher) Revoke(topic string, partition int32) {
	b.mu.RLock()
	p := b.parts[partKey{topic, partition}]
	b.mu.RUnlock()
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	b.dropOpen(p)
	p.gen.Store(0)
}

func (b *Batcher) dropOpen(p *pending) {
	if p.batch != nil {
		b.Dropped.Add(int64(len(p.batch.Records)))
		p.batch = nil
	}
}

func (b *Batcher) part(topic string, partition int32) *pending {
	key := partKey{topic, partition}
	b.mu.RLock()
	p := b.parts[key]
	b.mu.RUnlock()
	if p != nil {
		return p
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if p = b.parts[key]; p == nil {
		p = &pending{}
		b.parts[key] = p
	}
	return p
}

// Consume reads msgs with readers goroutines until msgs is closed or ctx is
// done, and returns then. It returns the first error emitting a batch gave
// that was not ctx's.
func (b *Batcher) Consume(ctx context.Context, msgs <-chan *message.Message, readers int) error {
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range max(readers, 1) {
		wg.Go(func() {
			if err := b.read(ctx, msgs); err != nil && ctx.Err() == nil {
				once.Do(func() { first = err })
				cancel()
			}
		})
	}
	wg.Wait()
	return first
}

func (b *Batcher) read(ctx context.Context, msgs <-chan *message.Message) error {
	for {
		var msg *message.Message
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-msgs:
			if !ok {
				return nil
			}
			msg = m
		}
		rec, err := RecordFrom(msg)
		if err != nil {
			// Not a record this Subscriber made: a programming error,
			// never a record's content. Leave it unacked.
			return err
		}
		err = b.add(ctx, rec)
		msg.Ack()
		if err != nil {
			return err
		}
	}
}

// add puts rec into its partition's batch and emits the batch when full.
func (b *Batcher) add(ctx context.Context, rec model.Record) error {
	p := b.part(rec.Topic, rec.Partition)
	p.mu.Lock()
	defer p.mu.Unlock()
	gen := p.gen.Load()
	if gen == 0 {
		b.Dropped.Add(1)
		return nil
	}
	if p.batch != nil && p.batch.Generation != gen {
		b.dropOpen(p)
	}
	if p.batch == nil {
		p.batch = &model.Batch{Topic: rec.Topic, Partition: rec.Partition, Generation: gen,
			Records: make([]model.Record, 0, min(b.cfg.Records, 256))}
		p.bytes, p.since = 0, b.now()
	}
	p.batch.Records = append(p.batch.Records, rec)
	p.bytes += rec.Size()
	b.Records.Add(1)
	if len(p.batch.Records) >= b.cfg.Records || p.bytes >= int(b.cfg.Bytes) {
		return b.flush(ctx, p)
	}
	return nil
}

// flush emits p's open batch; the caller holds p.mu.
func (b *Batcher) flush(ctx context.Context, p *pending) error {
	batch := p.batch
	p.batch = nil
	if err := b.emit(ctx, batch); err != nil {
		// No later record of the partition may follow the lost ones into a
		// batch: it waits for its next assignment (sluice is stopping).
		b.Dropped.Add(int64(len(batch.Records)))
		p.gen.Store(0)
		return fmt.Errorf("handing a batch of %s/%d on: %w", batch.Topic, batch.Partition, err)
	}
	b.Batches.Add(1)
	return nil
}

// Run emits batches that have lingered for BatchConfig.Linger until ctx is
// done. A partition busy adding a record is looked at next time.
func (b *Batcher) Run(ctx context.Context) {
	tick := time.NewTicker(max(b.cfg.Linger/2, time.Millisecond))
	defer tick.Stop()
	var parts []*pending
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		b.mu.RLock()
		parts = parts[:0]
		for _, p := range b.parts {
			parts = append(parts, p)
		}
		b.mu.RUnlock()
		now := b.now()
		for _, p := range parts {
			if !p.mu.TryLock() {
				continue
			}
			if p.batch != nil && now.Sub(p.since) >= b.cfg.Linger {
				if err := b.flush(ctx, p); err != nil && !errors.Is(err, context.Canceled) && ctx.Err() == nil {
					b.log.Warn("handing a lingering batch on failed; its records are read again", "err", err)
				}
			}
			p.mu.Unlock()
		}
	}
}
