package parse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/schema"
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

// Decoder is a Parser that also decodes values into typed fields against a
// schema (avro, protobuf, json_schema; see model.Schema for the Go value of
// each column type). The stage calls Decode for each record, in offset
// order per Kafka partition and concurrently across partitions, before
// EventTime, which may then read the decoded fields.
//
// Decode sets the record's fields and schema with rec.SetTyped and leaves
// Value as it is. A tombstone (nil Value) has nothing to decode: Decode
// returns nil and leaves it untyped, and it is archived in the envelope
// columns alone. An error means the record cannot be archived as a typed
// row (bytes that do not decode, a schema that cannot be fetched for good):
// the stage rejects it (model.Batch.Reject) with the error's text as the
// reason, and it goes to the topic's dead-letter destination. An error that
// retrying might fix (the Schema Registry unreachable) must not be returned
// as a rejection: Decode retries within reason and then returns an error
// wrapping ErrUnavailable, which stops sluice instead of dead-lettering
// good records.
//
// Like EventTime it must be deterministic, safe for concurrent use, keep
// nothing of the record, and never panic.
type Decoder interface {
	Parser
	Decode(rec *model.Record) error
}

// Settings is what the program hands the stage and the parsers it builds.
type Settings struct {
	// Logger receives a debug line per fallback. Nil discards.
	Logger *slog.Logger
	// Topic is the Kafka topic the parser serves ("" when unknown).
	Topic string
	// Registry is the Schema Registry client of the configuration's
	// "schema_registry:" section, nil when it has none. Parsers of the
	// Confluent wire format (avro, protobuf, json_schema) fetch schemas
	// by id through it; the client caches them.
	Registry *sr.Client
	// Schema, when set, is the topic's declared schema: the stage types
	// every record by it (JSON values, or a text parser's fields) and
	// rejects those that do not fit.
	Schema *schema.Declared
	// Infer says the topic's files infer their columns from JSON objects
	// ("schema: infer"): the stage rejects values that are not one.
	Infer bool
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
	// Rejected counts records the parser could not decode (they went to
	// the dead-letter destination; not counted in Parsed or Fallbacks).
	Rejected uint64
}

// Stage decodes records (when its parser is a Decoder) and sets their
// event time. It is safe for concurrent use.
type Stage struct {
	parser  Parser  // nil for the raw parser
	decoder Decoder // the parser, when it decodes
	log     *slog.Logger
	typ     string

	// parsed is striped by Kafka partition: records of one partition are
	// handled one at a time, so goroutines working on different partitions
	// rarely share a cache line and the per-record count does not bounce
	// between cores.
	parsed [stripes]paddedCounter
	// fallbacks by reason, indexed like reasons.
	fallbacks [len(reasons)]atomic.Uint64
	// rejected counts records Decode failed on.
	rejected atomic.Uint64
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
	// Event times come from the time section (timed); decoding (d) from
	// the parser and the topic's schema.
	timed, err := withTimeSource(p, cfg)
	if err != nil {
		return nil, fmt.Errorf("building parser %q: %w", cfg.Type, err)
	}
	_, raw := timed.(rawParser)
	if raw && set.Schema == nil && !set.Infer {
		s.typ = TypeRaw // the stage reads the timestamp itself
		return s, nil
	}
	d := withSchema(p, set)
	s.decoder, _ = d.(Decoder)
	s.parser = timed
	if jt := cfg.jsonTime(); set.Schema != nil && cfg.Type == TypeJSON && jt.Field != "" {
		if name, ok := set.Schema.TimeField(jt.Field, jt.Format, jt.Zone); ok {
			s.parser = typedTime{Parser: timed, field: name}
		}
	}
	return s, nil
}

// ParseBatch decodes the batch's records when the parser is a Decoder,
// rejecting those it cannot decode (b.Rejected), and sets the event time of
// the others (Parse). It returns an error only when decoding is unavailable
// (ErrUnavailable): the batch must then not go on.
func (s *Stage) ParseBatch(b *model.Batch) error {
	if s.decoder != nil {
		var fatal error
		b.Reject(func(r *model.Record) error {
			if fatal != nil {
				return nil // the batch is abandoned anyway
			}
			err := s.decoder.Decode(r)
			if errors.Is(err, ErrUnavailable) {
				fatal = err
				return nil
			}
			if err != nil {
				s.rejected.Add(1)
			}
			return err
		})
		if fatal != nil {
			return fatal
		}
	}
	for i := range b.Records {
		s.Parse(&b.Records[i])
	}
	return nil
}

// Parse sets rec.EventTime, in UTC. When the parser cannot read one
// (malformed value, missing field, wrong type, unparsable time) it falls back
// to rec.Timestamp, sets rec.EventTimeFallback and counts the fallback by
// reason. It never drops a record. With the built-in parsers it never panics,
// whatever the bytes; the json parser allocates nothing unless the value is
// not JSON (a time field read through the time section of another parser,
// or in an ISO 8601 or layout format, may allocate).
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
		Rejected:   s.rejected.Load(),
	}
	for i := range s.parsed {
		st.Parsed += s.parsed[i].n.Load()
	}
	st.Fallbacks = st.Malformed + st.Missing + st.WrongType + st.Unparsable
	return st
}
