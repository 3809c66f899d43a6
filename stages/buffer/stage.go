package buffer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/format"
)

// ErrDraining is returned by Append once Drain has begun: the record was not
// taken and will be read again from Kafka by whoever owns the partition next.
var ErrDraining = errors.New("buffer is draining")

// Publisher takes a sealed round downstream. It blocks while downstream is
// full (backpressure) and returns an error only when the round cannot be
// handed over (shutdown); the buffer then drops the partition's chain.
type Publisher func(ctx context.Context, r *model.Round) error

// TopicSettings is what the buffer needs to know of a topic.
type TopicSettings struct {
	// Policy says when rounds are sealed.
	Policy Policy
	// Extension is the output file extension (".parquet").
	Extension string
	// Layouts gives the columns of the topic's files per schema; nil means
	// the default columns (format.DefaultColumns, binary values).
	Layouts *format.Layouts
}

// Settings is what the program injects into the buffer.
type Settings struct {
	Logger *slog.Logger
	// Alloc is the Arrow allocator (default memory.DefaultAllocator).
	Alloc memory.Allocator
	// Publish takes sealed rounds downstream. Required.
	Publish Publisher
	// Topic returns a topic's settings. Required.
	Topic func(topic string) TopicSettings
	// Now is the wall clock for idle sealing (default time.Now).
	Now func() time.Time
	// MaxLinks caps the traced records a round links to (default 128).
	MaxLinks int
	// OnBroken is called when a partition's chain of rounds broke (a round
	// could not be spilled or published): the partition must be read again
	// from its durable offset. Optional.
	OnBroken func(topic string, partition int32)
}

// Stage is the buffer stage. Append is safe for concurrent use across Kafka
// partitions; records of one partition must arrive in offset order.
type Stage struct {
	cfg Config
	set Settings

	mu       sync.Mutex // guards parts and lanes
	parts    map[partKey]*part
	lanes    map[string]*LaneStats
	draining atomic.Bool

	buffered atomic.Int64 // bytes in Arrow builders, all files
	held     atomic.Int64 // bytes held in memory by sealed rounds
	holdsMu  sync.Mutex
	holds    map[releaser]struct{} // held records and dead-letter lines not yet freed
	// spillAtSeal makes every seal spill (tests of the disk bound).
	spillAtSeal bool
	rounds      atomic.Uint64 // rounds opened, numbering their spill dirs
	gens        atomic.Uint64 // assignments, numbering partitions' generations
	openFiles   atomic.Int64
	stats       Stats
	lock        *os.File

	// maxDisk is the disk bound in force (set by Start); disk what is used.
	maxDisk int64
	disk    diskUse
	// stopping is closed when Drain or Close begins: waits give up.
	stopping chan struct{}
	stopOnce sync.Once
}

// New returns a buffer stage. Start must be called before Append.
func New(cfg Config, set Settings) (*Stage, error) {
	if set.Publish == nil || set.Topic == nil {
		return nil, errors.New("buffer: Settings.Publish and Settings.Topic are required")
	}
	if cfg.Dir == "" {
		return nil, errors.New("buffer: dir is required")
	}
	if set.Logger == nil {
		set.Logger = slog.New(slog.DiscardHandler)
	}
	if set.Alloc == nil {
		set.Alloc = memory.DefaultAllocator
	}
	if set.Now == nil {
		set.Now = time.Now
	}
	if set.OnBroken == nil {
		set.OnBroken = func(string, int32) {}
	}
	if set.MaxLinks <= 0 {
		set.MaxLinks = 128
	}
	if cfg.Memory <= 0 {
		cfg.Memory = 64 << 20
	}
	if cfg.MaxOpenFiles <= 0 {
		cfg.MaxOpenFiles = 1000
	}
	return &Stage{cfg: cfg, set: set, parts: map[partKey]*part{}, lanes: map[string]*LaneStats{},
		holds: map[releaser]struct{}{}, stopping: make(chan struct{})}, nil
}

// Start takes the buffer directory (see Config.Dir): it creates it, or takes
// it when empty, marked as sluice's; it refuses a directory holding files but
// no marker (ErrDirNotOwned), locks it against other sluice processes,
// removes the spill files an earlier run left (they were never committed and
// will be read again from Kafka), and settles the disk bound.
func (s *Stage) Start() error {
	lock, err := takeDir(s.cfg.Dir)
	if err != nil {
		return err
	}
	if err := cleanDir(s.cfg.Dir, s.set.Logger); err != nil {
		_ = unlockDir(lock)
		return err
	}
	maxDisk, derived, err := resolveMaxDisk(s.cfg)
	if err != nil {
		_ = unlockDir(lock)
		return err
	}
	if derived {
		s.set.Logger.Info("buffer disk bound derived from the free space (buffer.max_disk: 0)",
			"dir", s.cfg.Dir, "max_disk", conf.ByteSize(maxDisk).String())
	}
	s.lock, s.maxDisk = lock, maxDisk
	return nil
}

// stop makes every wait (for room, before retrying a spill) give up.
func (s *Stage) stop() { s.stopOnce.Do(func() { close(s.stopping) }) }

// Close drops everything still buffered, releases the records held in
// memory by sealed rounds not yet committed (those still on their way
// downstream are not uploaded any more) and releases the directory. It is
// idempotent; call it after Drain, once the rounds it published are
// uploaded or given up.
func (s *Stage) Close() error {
	s.draining.Store(true)
	s.stop()
	s.mu.Lock()
	parts := s.parts
	s.parts = map[partKey]*part{}
	s.mu.Unlock()
	for _, p := range parts {
		p.mu.Lock()
		p.drop(s)
		p.mu.Unlock()
	}
	s.releaseHolds()
	if s.lock != nil {
		err := unlockDir(s.lock)
		s.lock = nil
		return err
	}
	return nil
}

func (s *Stage) part(topic string, partition int32) *part {
	key := partKey{topic, partition}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.parts[key]
	if p == nil {
		p = newPart(topic, partition, -1, nil)
		p.stats = s.lane(topic, partition)
		s.parts[key] = p
	}
	return p
}

// partKey names a Kafka partition without building a string per record.
type partKey struct {
	topic     string
	partition int32
}

// Cut is a round the buffer must reproduce exactly: records Start..End, of
// which the round's earlier owner read Records (0: unknown).
type Cut struct{ Start, End, Records int64 }

// Assign places a Kafka partition: the next round continues the chain at
// offset from (negative: wherever Kafka starts), and, when cut is not nil, the
// first round must be cut (from cut.Start to exactly cut.End). Records before
// the first offset not yet in the bucket (cut.Start, else from) are skipped.
// Whatever was buffered for the partition is dropped.
//
// It returns the partition's new generation: batches read under this
// assignment carry it (model.Batch.Generation), and Append drops batches
// that carry another.
func (s *Stage) Assign(topic string, partition int32, from int64, cut *Cut) uint64 {
	p := newPart(topic, partition, from, cut)
	p.gen = s.gens.Add(1)
	s.replace(topic, partition, p)
	return p.gen
}

// Revoke drops what is buffered for a partition taken away from this process.
func (s *Stage) Revoke(topic string, partition int32) {
	s.replace(topic, partition, nil)
}

// replace puts next (nil: nothing) in the partition's place and drops what
// the previous state buffered.
func (s *Stage) replace(topic string, partition int32, next *part) {
	key := partKey{topic, partition}
	s.mu.Lock()
	old := s.parts[key]
	if next != nil {
		next.stats = s.lane(topic, partition)
		s.parts[key] = next
	} else {
		delete(s.parts, key)
	}
	s.mu.Unlock()
	if old != nil {
		old.leave() // a spill of old waiting for room or retrying gives up
		old.mu.Lock()
		old.drop(s)
		old.mu.Unlock()
	}
}

// Break drops what is buffered for a partition and discards its records
// until it is assigned again: another process moved it on, or a round of its
// chain was lost.
func (s *Stage) Break(topic string, partition int32) {
	p := s.part(topic, partition)
	p.leave()
	p.mu.Lock()
	p.drop(s)
	p.broken = true
	p.mu.Unlock()
}

// Halt stops taking the partition's records until it is assigned again,
// keeping its open round, which Drain seals. The pipeline halts a partition
// whose batch cannot go on (a stage failed on it, a record is too large)
// while sluice stops: what came before the batch is stored, nothing after
// it is.
func (s *Stage) Halt(topic string, partition int32) {
	p := s.part(topic, partition)
	p.mu.Lock()
	p.halted = true
	p.mu.Unlock()
}

// Append adds a batch of one Kafka partition's records, each to the file of
// its output partition (Record.Path), to the partition's open round, and
// seals rounds when the topic's policy says so; the offsets the batch's
// stages filtered extend the round and are counted in it, and so do its
// rejected records, which the round keeps as dead-letter lines. It blocks while a
// sealed round is published. A batch read under an earlier assignment of
// the partition (Generation differs from the partition's; 0 is never
// compared) is dropped: the partition was revoked while the batch was on its
// way.
func (s *Stage) Append(ctx context.Context, b *model.Batch) error {
	if s.draining.Load() {
		return ErrDraining
	}
	p := s.current(b.Topic, b.Partition, b.Generation)
	if p == nil {
		s.stats.Stale.Add(int64(b.Len()) + b.Filtered.Len() + int64(len(b.Rejected)))
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ts := s.set.Topic(b.Topic)
	extras := newBatchExtras(b)
	defer extras.stop()
	for i := range b.Records {
		rec := &b.Records[i]
		if err := s.passExtras(ctx, p, ts, extras, rec.Offset); err != nil {
			return err
		}
		if err := s.appendRecord(ctx, p, ts, rec); err != nil {
			return err
		}
	}
	return s.passAllExtras(ctx, p, ts, extras)
}

// current returns the partition's state when gen is its assignment (any
// state for gen 0), else nil.
func (s *Stage) current(topic string, partition int32, gen uint64) *part {
	if gen == 0 {
		return s.part(topic, partition)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.parts[partKey{topic, partition}]
	if p == nil || p.gen != gen {
		return nil
	}
	return p
}

// Generation returns the partition's current assignment (0 when it has
// none): the value batches read from now on carry.
func (s *Stage) Generation(topic string, partition int32) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.parts[partKey{topic, partition}]; p != nil {
		return p.gen
	}
	return 0
}

// appendRecord adds one record; the caller holds p.mu.
func (s *Stage) appendRecord(ctx context.Context, p *part, ts TopicSettings, rec *model.Record) error {
	size, ok, err := s.consume(p, rec, "record")
	if !ok || err != nil {
		return err
	}
	if err := p.append(ctx, s, ts, rec, rec.Path); err != nil {
		return err
	}
	s.stats.Records.Add(1)
	s.stats.Bytes.Add(size)
	return nil
}

// consume counts a consumed record (kept or rejected: what is described
// names it in errors) and reports its size and whether it belongs in a
// round (admit); err says the record is larger than the disk bound allows.
// The caller holds p.mu.
func (s *Stage) consume(p *part, rec *model.Record, what string) (size int64, ok bool, err error) {
	size = int64(rec.Size())
	p.stats.ConsumedBytes.Add(size)
	if !s.admit(p, rec.Offset) {
		return size, false, nil
	}
	if s.maxDisk > 0 && 2*size > s.maxDisk {
		return size, false, fmt.Errorf("%w: %s %s/%d@%d has %s; buffer.max_disk (%s) must be at least twice the largest record",
			ErrRecordTooLarge, what, rec.Topic, rec.Partition, rec.Offset, conf.ByteSize(size), conf.ByteSize(s.maxDisk))
	}
	return size, true, nil
}

// skip accounts for a record a stage filtered out; the caller holds p.mu.
func (s *Stage) skip(ctx context.Context, p *part, ts TopicSettings, offset int64) error {
	if !s.admit(p, offset) {
		return nil
	}
	s.stats.Filtered.Add(1)
	p.stats.Filtered.Add(1)
	return p.filter(ctx, s, ts, offset)
}

// admit counts a consumed offset, kept or filtered, and reports whether it
// belongs in a round: not when the partition's chain is broken or halted
// (it is read again on its next assignment), nor when the bucket already
// holds it. The caller holds p.mu.
func (s *Stage) admit(p *part, offset int64) bool {
	p.stats.Consumed.Add(1)
	switch {
	case p.broken || p.halted:
		s.stats.Discarded.Add(1)
		p.stats.Discarded.Add(1)
		return false
	case offset < p.first:
		s.stats.Skipped.Add(1)
		p.stats.Skipped.Add(1)
		return false
	}
	return true
}

// Drain stops taking records, seals every open round (trigger "shutdown")
// and publishes them. Rounds that must be reproduced exactly and are not
// complete are dropped: the partition's next owner completes them.
func (s *Stage) Drain(ctx context.Context) error {
	s.draining.Store(true)
	s.stop()
	var errs []error
	// Stopping first makes appends waiting for disk room give up and let go
	// of their partitions; the seals below then wait for room themselves,
	// as long as ctx allows (a full disk at shutdown is often short-lived).
	for _, p := range s.snapshot() {
		p.mu.Lock()
		p.drain = ctx
		if p.cut != nil {
			p.drop(s)
		} else if err := p.seal(ctx, s, TriggerShutdown); err != nil {
			errs = append(errs, err)
		}
		p.drain = nil
		p.mu.Unlock()
	}
	return errors.Join(errs...)
}

func (s *Stage) snapshot() []*part {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*part, 0, len(s.parts))
	for _, p := range s.parts {
		out = append(out, p)
	}
	return out
}

// Stats returns the stage's counters.
func (s *Stage) Stats() *Stats { return &s.stats }

// Buffered returns the bytes held in memory across all open files.
func (s *Stage) Buffered() int64 { return s.buffered.Load() }

// OpenFiles returns the number of open files across all rounds.
func (s *Stage) OpenFiles() int64 { return s.openFiles.Load() }

// Stats counts what the buffer did. Fields are safe to read concurrently.
type Stats struct {
	Records, Bytes, Discarded atomic.Int64
	// Filtered counts records stages removed on purpose (accounted for in
	// their rounds); Rejected records that could not be archived as the
	// topic asks (kept in their rounds' dead-letter lines); Stale records of batches read under an assignment that
	// had ended by the time they arrived (dropped: they are read again).
	Filtered, Rejected, Stale atomic.Int64
	// Skipped counts records read again that the bucket already holds.
	Skipped atomic.Int64
	Rounds  atomic.Int64
	// Sealed counts rounds by trigger.
	BySize, ByCount, BySpan, ByIdle, ByOpenFiles, ByDisk, ByForced, ByShutdown atomic.Int64
	// SpillRetries counts spill writes tried again after a failure;
	// DiskWaits spills that waited for uploads to free room under MaxDisk.
	SpillRetries, DiskWaits atomic.Int64
	// Broken counts partitions whose chain of rounds broke (a round could
	// not be spilled or published): each is read again from Kafka.
	Broken atomic.Int64
}
