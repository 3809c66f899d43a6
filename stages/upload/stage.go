package upload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/stages/deadletter"
	"github.com/sluicehq/sluice/stages/format"
	"github.com/sluicehq/sluice/telemetry"
	"github.com/sluicehq/sluice/transport/objstore"
)

// Settings is what the program injects into the upload stage.
type Settings struct {
	Logger *slog.Logger
	// Store is the destination. Required.
	Store objstore.Store
	// Ledger claims rounds in the progress records. Required.
	Ledger *commit.Ledger
	// Format returns a topic's output format. Required.
	Format func(topic string) format.Config
	// Alloc is the Arrow allocator for encoding (default memory.DefaultAllocator).
	Alloc memory.Allocator
	// OnStale is called when the partition turns out to be owned or advanced
	// by another process: this process must stop working on it.
	OnStale func(topic string, partition int32)
	// Tracer makes the span of each file stored (default: none recorded).
	Tracer *telemetry.RoundTracer
	// Encoders bounds the files encoded at once, whatever Concurrency (default
	// GOMAXPROCS). Encoding is CPU-bound and each encoder holds up to a row
	// group in memory: more encoders than cores only cost memory, while the
	// uploads themselves (network-bound) still run Concurrency at once.
	Encoders int
	// DeadLetter returns a topic's dead_letter settings (default: the
	// bucket, deadletter.DefaultConfig).
	DeadLetter func(topic string) deadletter.Config
	// Publisher publishes rejected records of topics whose dead-letter
	// destination is kafka; required for them.
	Publisher deadletter.Publisher
}

// Stage is the upload stage. Handle is safe for concurrent use.
type Stage struct {
	cfg      Config
	set      Settings
	stats    Stats
	topics   sync.Map      // topic → *TopicStats
	encoders chan struct{} // one slot per file being encoded
}

// Stats counts what the stage did.
type Stats struct {
	Rounds, Files, Bytes, Records atomic.Int64
	// Dropped counts rounds not uploaded: already stored, or stale.
	Dropped atomic.Int64
	// Kept counts files of completed pending rounds left as their earlier
	// owner stored them (see model.Round.KeepStored).
	Kept atomic.Int64
	// DeadLettered counts rejected records sent to their dead-letter
	// destination (again when a round is tried again); DeadLetterBytes
	// the bytes of their dead-letter lines.
	DeadLettered, DeadLetterBytes atomic.Int64
}

// New returns an upload stage.
func New(cfg Config, set Settings) (*Stage, error) {
	if set.Store == nil || set.Ledger == nil || set.Format == nil {
		return nil, errors.New("upload: Settings.Store, Ledger and Format are required")
	}
	if set.Logger == nil {
		set.Logger = slog.New(slog.DiscardHandler)
	}
	if set.Alloc == nil {
		set.Alloc = memory.DefaultAllocator
	}
	if set.OnStale == nil {
		set.OnStale = func(string, int32) {}
	}
	if set.Tracer == nil {
		set.Tracer = telemetry.NewRoundTracer(telemetry.Noop(), "")
	}
	if set.Encoders <= 0 {
		set.Encoders = runtime.GOMAXPROCS(0)
	}
	return &Stage{cfg: cfg, set: set, encoders: make(chan struct{}, set.Encoders)}, nil
}

// Stats returns the stage's counters.
func (s *Stage) Stats() *Stats { return &s.stats }

// Upload claims a sealed round in the ledger, stores the record of its
// filtered offsets, sends its rejected records to their dead-letter
// destination and stores the record of their offsets, if any, and stores
// its files; it
// reports stored when the round must go on to the commit stage. An error
// means "try the round again"; a round that must not be stored (already
// stored, or the partition is stale) is dropped without error (stored is
// false). It does not change r.
func (s *Stage) Upload(ctx context.Context, r *model.Round) (stored bool, err error) {
	if err := s.set.Ledger.Claim(ctx, r); err != nil {
		if s.dropIfSettled(r, err) {
			return false, nil
		}
		return false, fmt.Errorf("claiming round [%d..%d] of %s: %w", r.Start, r.End, r.Lane(), err)
	}
	if err := s.putFiltered(ctx, r); err != nil {
		return false, err
	}
	if err := s.putRejected(ctx, r); err != nil {
		return false, err
	}
	for _, f := range r.Files {
		kept, err := s.keep(ctx, r, f.Key, "keeping the file the pending round's earlier owner stored: it holds records Kafka no longer has")
		if err != nil {
			return false, err
		}
		if kept {
			s.stats.Kept.Add(1)
			continue
		}
		pctx, span := s.set.Tracer.StartPut(ctx, f.Key)
		n, err := s.put(pctx, r.Topic, f)
		if span.IsRecording() {
			span.SetAttributes(telemetry.AttrFileBytes.Int64(n), telemetry.AttrFileRecords.Int64(f.Records))
		}
		telemetry.End(span, err)
		if err != nil {
			return false, err
		}
		s.stats.Files.Add(1)
		s.stats.Bytes.Add(n)
		ts := s.topic(r.Topic)
		ts.Files.Add(1)
		ts.Bytes.Add(n)
	}
	s.stats.Rounds.Add(1)
	s.stats.Records.Add(r.Records)
	return true, nil
}

// dropIfSettled drops a round the ledger refused for good.
func (s *Stage) dropIfSettled(r *model.Round, err error) bool {
	switch {
	case errors.Is(err, commit.ErrStored):
		s.set.Logger.Info("round already stored; dropping it", "lane", r.Lane(), "start", r.Start, "end", r.End)
	case errors.Is(err, commit.ErrStale):
		s.set.Logger.Warn("partition moved on under this process; dropping its round",
			"lane", r.Lane(), "start", r.Start, "end", r.End, "err", err)
		s.set.OnStale(r.Topic, r.Partition)
	default:
		return false
	}
	s.set.Ledger.Abandon(r)
	s.stats.Dropped.Add(1)
	r.Free()
	return true
}

// stored reports whether an object exists at key.
func (s *Stage) stored(ctx context.Context, key string) (bool, error) {
	found := false
	err := s.set.Store.List(ctx, key, func(o objstore.Object) error {
		if o.Key == key {
			found = true
			return errStopList
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStopList) {
		return false, fmt.Errorf("looking for %s: %w", key, err)
	}
	return found, nil
}

var errStopList = errors.New("stop listing")

// encode encodes a file's records once an encoder slot is free.
func (s *Stage) encode(ctx context.Context, src format.Source, out io.Writer, cfg format.Config) (format.Result, error) {
	select {
	case s.encoders <- struct{}{}:
	case <-ctx.Done():
		return format.Result{}, ctx.Err()
	}
	defer func() { <-s.encoders }()
	return format.EncodeFrom(ctx, src, out, cfg, s.set.Alloc)
}
