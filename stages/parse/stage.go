package parse

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/model"
)

// Parser reads the event time of a record, the time its output partition
// is chosen by. The stage calls EventTime once per record, in offset order
// per Kafka partition, concurrently for different partitions: a parser is
// safe for concurrent use.
//
// EventTime returns the record's event time (any zone; the stage keeps it
// in UTC). It may also decode the value into fields for the stages after
// it (rec.SetFields, or rec.SetField): the record's value is then
// re-encoded from the fields before it is buffered. It must not change the
// record's topic, partition, offset or timestamp, must not keep the record
// or its bytes beyond the call, and must never panic, whatever the bytes.
//
// It must be deterministic: the same record gives the same result (no wall
// clock, no random numbers), or exactly-once breaks (a round written again
// after a crash must land in the same partitions with the same bytes).
//
// On failure it returns an error, preferably wrapping ErrMalformed,
// ErrMissing, ErrWrongType or ErrUnparsable (any other counts as
// ErrUnparsable); the stage then falls back to the Kafka timestamp. A
// record is never dropped for it.
type Parser interface {
	EventTime(rec *model.Record) (time.Time, error)
}

// Settings is what the program hands the stage and the parsers it builds.
type Settings struct {
	// Logger receives a debug line per fallback. Nil discards.
	Logger *slog.Logger
	// Topic is the Kafka topic the parser serves ("" when unknown).
	Topic string
}

// Stats counts the records the stage has seen. Parsed+Fallbacks is the
// number of records; the four reasons add up to Fallbacks.
type Stats struct {
	// Parsed counts records whose event time the parser read (every record,
	// for the raw parser).
	Parsed uint64
	// Fallbacks counts records that fell back to the Kafka timestamp.
	Fallbacks uint64
	// Malformed, Missing, WrongType and Unparsable count fallbacks by reason
	// (ErrMalformed, ErrMissing, ErrWrongType, ErrUnparsable).
	Malformed, Missing, WrongType, Unparsable uint64
}

// Stage sets the event time of records. It is safe for concurrent use.
type Stage struct {
	parser Parser // nil for the raw parser
	log    *slog.Logger
	typ    string

	// parsed is striped by Kafka partition: records of one partition are
	// handled one at a time, so goroutines working on different partitions
	// rarely share a cache line and the per-record count does not bounce
	// between cores.
	parsed [stripes]paddedCounter
	// fallbacks by reason, indexed like reasons.
	fallbacks [len(reasons)]atomic.Uint64
}

// stripes is the number of stripes of Stage.parsed, a power of two.
const stripes = 32

// paddedCounter is a counter alone on its cache line.
type paddedCounter struct {
	n atomic.Uint64
	_ [56]byte
}

// reasons are the fallback reasons in the order Stage.fallbacks counts them.
var reasons = [...]error{ErrMalformed, ErrMissing, ErrWrongType, ErrUnparsable}

// New builds the stage for a topic's parser configuration: the built-in or
// registered parser Type names, with its options. An empty Type means raw.
// It fails with an error wrapping ErrUnknownType for a type nothing is
// registered under, ErrInvalidConfig for options that do not decode or
// validate.
func New(cfg Config, set Settings) (*Stage, error) {
	s := &Stage{log: set.Logger, typ: cfg.Type}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	p, err := build(cfg, set)
	if err != nil {
		return nil, err
	}
	if _, raw := p.(rawParser); raw {
		s.typ = TypeRaw // the stage reads the timestamp itself
		return s, nil
	}
	s.parser = p
	return s, nil
}

// Parse sets rec.EventTime, in UTC. When the parser cannot read one
// (malformed value, missing field, wrong type, unparsable time) it falls back
// to rec.Timestamp, sets rec.EventTimeFallback and counts the fallback by
// reason. It never drops a record. With the built-in parsers it never panics,
// whatever the bytes, and allocates nothing unless the value is not JSON.
func (s *Stage) Parse(rec *model.Record) {
	if s.parser == nil {
		rec.EventTime, rec.EventTimeFallback = rec.Timestamp.UTC(), false
		s.parsed[rec.Partition&(stripes-1)].n.Add(1)
		return
	}
	t, err := s.parser.EventTime(rec)
	if err == nil {
		rec.EventTime, rec.EventTimeFallback = t.UTC(), false
		s.parsed[rec.Partition&(stripes-1)].n.Add(1)
		return
	}
	rec.EventTime, rec.EventTimeFallback = rec.Timestamp.UTC(), true
	r := reasonIndex(err)
	s.fallbacks[r].Add(1)
	if s.log.Enabled(context.Background(), slog.LevelDebug) {
		s.log.LogAttrs(context.Background(), slog.LevelDebug, "event time falls back to the Kafka timestamp",
			slog.String("topic", rec.Topic), slog.Int("partition", int(rec.Partition)),
			slog.Int64("offset", rec.Offset), slog.String("parser", s.typ), slog.String("error", err.Error()))
	}
}

// reasonIndex returns the index in reasons of the reason err wraps;
// ErrUnparsable's for an error that wraps none.
func reasonIndex(err error) int {
	for i, r := range reasons { // unwrapped sentinels match without a walk
		if err == r { //nolint:errorlint // fast path; errors.Is below
			return i
		}
	}
	for i, r := range reasons {
		if errors.Is(err, r) {
			return i
		}
	}
	return len(reasons) - 1
}

// Stats returns the stage's counters. Each is read atomically; the set is not
// a snapshot of one instant.
func (s *Stage) Stats() Stats {
	st := Stats{
		Malformed:  s.fallbacks[0].Load(),
		Missing:    s.fallbacks[1].Load(),
		WrongType:  s.fallbacks[2].Load(),
		Unparsable: s.fallbacks[3].Load(),
	}
	for i := range s.parsed {
		st.Parsed += s.parsed[i].n.Load()
	}
	st.Fallbacks = st.Malformed + st.Missing + st.WrongType + st.Unparsable
	return st
}
