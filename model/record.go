package model

import (
	"time"

	"go.opentelemetry.io/otel/trace"
)

// Header is one Kafka record header. Kafka allows repeated keys, so headers
// are kept as an ordered list, never as a map.
type Header struct {
	Key   string
	Value []byte
}

// Record is one Kafka record as sluice sees it after parsing. The byte slices
// may alias the consumer's buffers: a stage that keeps a Record beyond the
// call it received it in must copy them (the buffer stage copies into Arrow).
//
// A stage reads and changes the value either as bytes (Value) or as fields
// (Fields, Field, SetField, DeleteField), never both in one pass: once fields
// changed, the value bytes are re-encoded from them (Sync) before the record
// is buffered.
type Record struct {
	// Topic, Partition and Offset identify the record in Kafka.
	Topic     string
	Partition int32
	Offset    int64
	// Timestamp is the Kafka record timestamp (create or log-append time).
	Timestamp time.Time
	// Key is nil when the record has no key.
	Key     []byte
	Headers []Header
	// Value is nil for a tombstone.
	Value []byte

	// EventTime is the time the output partition is chosen by. The parse stage
	// sets it; when it cannot read one from the value it falls back to
	// Timestamp and sets EventTimeFallback.
	EventTime         time.Time
	EventTimeFallback bool

	// Path is the output partition the record is written under (e.g.
	// "dt=2026-11-22/hr=01"), relative to the topic's directory. The
	// partition stage sets it.
	Path string

	// Trace is the span context of the record's trace when it is sampled
	// (invalid otherwise): the round that holds the record links to it.
	Trace trace.SpanContext

	// Schema is the schema the value was decoded with (see Schema), or nil
	// for a record archived as bytes. SetTyped sets it with the fields.
	Schema *Schema

	// fields is the value decoded into fields (nil until Fields is called);
	// changed says a stage changed them, so Value is out of date.
	fields  map[string]any
	changed bool
	// touched says a stage changed the fields since SetTyped.
	touched bool
}

// SetTyped sets the record's fields, decoded against schema, which the
// record now owns: values follow the Go types Schema lists. Value keeps the
// bytes they were decoded from (the raw value, when a topic archives it).
// A decoding parser calls it; stages then read and change the fields with
// Fields, Field, SetField and DeleteField.
func (r *Record) SetTyped(schema *Schema, fields map[string]any) {
	r.Schema, r.fields, r.changed, r.touched = schema, fields, false, false
}

// Size is the number of payload bytes the record carries (key, value and
// headers), the unit buffer limits are counted in.
func (r *Record) Size() int {
	n := len(r.Key) + len(r.Value)
	for _, h := range r.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}
