package commit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/sluicehq/sluice/model"
)

// Offsets commits Kafka offsets: the transport/kafka Coordinator.
type Offsets interface {
	// Commit commits next as the partition's committed offset. It fails when
	// this process no longer owns the partition (harmless: the bucket's
	// progress record is the truth).
	Commit(topic string, partition int32, next int64) error
}

// Settings is what the program injects into the commit stage.
type Settings struct {
	Logger *slog.Logger
	// Ledger writes progress records. Required.
	Ledger *Ledger
	// Offsets commits Kafka offsets. Required.
	Offsets Offsets
	// OnStale is called when the partition turns out to be owned or advanced
	// by another process.
	OnStale func(topic string, partition int32)
}

// Stage is the commit stage. Handle is safe for concurrent use.
type Stage struct {
	set   Settings
	stats Stats

	mu      sync.Mutex
	durable map[string]Position // by lane, as committed by this process
}

// Position is how far a partition is durable, as committed by this process.
type Position struct {
	Topic     string
	Partition int32
	// Next is the next offset to store: every record before it is durable.
	Next int64
	// Rounds and Records count what this process committed.
	Rounds, Records int64
}

// Stats counts what the stage did.
type Stats struct {
	Rounds, Records atomic.Int64
	// KafkaErrors counts Kafka commits that failed (the partition moved).
	KafkaErrors atomic.Int64
	// Stale counts rounds whose commit lost to another process.
	Stale atomic.Int64
}

// New returns a commit stage.
func New(set Settings) (*Stage, error) {
	if set.Ledger == nil || set.Offsets == nil {
		return nil, errors.New("commit: Settings.Ledger and Offsets are required")
	}
	if set.Logger == nil {
		set.Logger = slog.New(slog.DiscardHandler)
	}
	if set.OnStale == nil {
		set.OnStale = func(string, int32) {}
	}
	return &Stage{set: set, durable: map[string]Position{}}, nil
}

// Stats returns the stage's counters.
func (s *Stage) Stats() *Stats { return &s.stats }

// Durable returns, per lane, the next offset this process committed last.
func (s *Stage) Durable() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int64, len(s.durable))
	for k, v := range s.durable {
		out[k] = v.Next
	}
	return out
}

// Positions returns how far every partition this process committed a round
// of is durable.
func (s *Stage) Positions() []Position {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Position, 0, len(s.durable))
	for _, v := range s.durable {
		out = append(out, v)
	}
	return out
}

// Commit takes an uploaded round, commits it in the progress record, then
// commits the Kafka offset, and removes the round's spill files. An error
// means "try again"; a round another process moved past is dropped without
// error. It does not change r.
func (s *Stage) Commit(ctx context.Context, r *model.Round) error {
	err := s.set.Ledger.Commit(ctx, r)
	if errors.Is(err, ErrStale) {
		s.stats.Stale.Add(1)
		s.set.Logger.Warn("partition moved on under this process; its round stays pending for the next owner",
			"lane", r.Lane(), "start", r.Start, "end", r.End, "err", err)
		s.set.OnStale(r.Topic, r.Partition)
		r.Free()
		return nil
	}
	if err != nil {
		return fmt.Errorf("committing round [%d..%d] of %s: %w", r.Start, r.End, r.Lane(), err)
	}
	r.Free()
	s.set.Logger.Debug("round committed", "lane", r.Lane(), "start", r.Start, "end", r.End,
		"records", r.Records, "files", len(r.Files), "trigger", r.Trigger)
	s.stats.Rounds.Add(1)
	s.stats.Records.Add(r.Records)
	s.mu.Lock()
	pos := s.durable[r.Lane()]
	pos.Topic, pos.Partition, pos.Next = r.Topic, r.Partition, r.End+1
	pos.Rounds++
	pos.Records += r.Records
	s.durable[r.Lane()] = pos
	s.mu.Unlock()
	if err := s.set.Offsets.Commit(r.Topic, r.Partition, r.End+1); err != nil {
		s.stats.KafkaErrors.Add(1)
		s.set.Logger.Debug("kafka offset not committed; the progress record has it",
			"lane", r.Lane(), "next", r.End+1, "err", err)
	}
	return nil
}
