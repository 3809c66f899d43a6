package model

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Round is a contiguous range [Start..End] of offsets of one Kafka partition,
// sealed by the buffer stage. It becomes one object per output partition; every
// object's name carries the round's identity (its first offset), so writing the
// same round twice writes the same objects.
type Round struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	// Start and End are the offsets of the first and the last record in the
	// round. Offsets in between may be missing (compaction, transaction
	// markers); none that Kafka returned is.
	Start int64 `json:"start"`
	End   int64 `json:"end"`
	// From is the offset the round's chain continues from: the previous
	// round's End+1, or where the partition was placed on assignment. Offsets
	// From..Start-1 do not exist in Kafka (the consumer read on from From), so
	// a round may be committed only if the progress record's next offset is
	// From: a round lost on the way can never be stepped over silently.
	From int64 `json:"from"`
	// Records and Bytes count what the round holds (Bytes as Record.Size).
	Records int64 `json:"records"`
	Bytes   int64 `json:"bytes"`
	// Trigger says why the round was sealed (size, count, span, idle, open_files,
	// disk, forced, shutdown).
	Trigger string `json:"trigger"`
	// LastTime is the Kafka timestamp of the round's last record (zero for
	// a round without records): how recent the partition is once the round
	// is durable.
	LastTime time.Time `json:"last_time,omitzero"`
	// Files are the round's files, one per output partition, sorted by Key.
	Files []RoundFile `json:"files"`
	// Filtered counts the round's records that stages removed on purpose
	// (Batch.Keep); FilteredRanges are their offsets. Records counts only
	// the records the files hold.
	Filtered       int64         `json:"filtered,omitempty"`
	FilteredRanges []OffsetRange `json:"filtered_ranges,omitempty"`
	// Rejected counts the round's records that could not be archived as
	// the topic asks (Batch.Reject); RejectedRanges are their offsets and
	// DeadLetter holds the records themselves, for the topic's dead-letter
	// destination. Records counts none of them.
	Rejected       int64         `json:"rejected,omitempty"`
	RejectedRanges []OffsetRange `json:"rejected_ranges,omitempty"`
	DeadLetter     *DeadLetter   `json:"dead_letter,omitempty"`
	// KeepStored is set on a round that completes a pending round of which
	// Kafka no longer has every record (retention or compaction ran since
	// the round's earlier owner read it). A file of the round already in the
	// bucket was written by that owner from all of its records, a superset of
	// this round's: it is kept, not replaced.
	KeepStored bool `json:"keep_stored,omitempty"`
	// Links are the traced records of the round, at most the buffer's cap;
	// LinksDropped counts the traced records over it.
	Links        []RecordLink `json:"links,omitempty"`
	LinksDropped int          `json:"links_dropped,omitempty"`
}

// RecordLink is a traced record of a round: its span context (W3C
// traceparent and tracestate), its offset, and the file that holds it.
type RecordLink struct {
	TraceParent string `json:"traceparent"`
	TraceState  string `json:"tracestate,omitempty"`
	Offset      int64  `json:"offset"`
	Key         string `json:"key"`
}

// RoundFile is one file of a round: the records of one output partition.
type RoundFile struct {
	// Key is the object key relative to the destination prefix, e.g.
	// "events/dt=2026-11-22/hr=01/events+0+00000000000000001000.parquet".
	Key string `json:"key"`
	// Spill is the local file holding the file's records in Arrow IPC stream
	// format, cut into batches that depend only on the file's own records;
	// empty when Held holds them.
	Spill string `json:"spill"`
	// Records counts the rows in the file.
	Records int64 `json:"records"`
	// Held, when not nil, holds the file's records in memory: the buffer
	// kept them instead of spilling them. It belongs to the process that
	// sealed the round and is never encoded; Round.Free releases it.
	Held HeldFile `json:"-"`
}

// HeldFile is a file's records kept in memory by the stage that sealed the
// round (stages/format.Held): opaque to every other layer. Release frees
// them; it is safe to call more than once and concurrently, and records
// being read when it is called are freed once the reading ends.
type HeldFile interface {
	Release()
}

// Lane identifies the Kafka partition a round belongs to; rounds of one lane
// must be uploaded and committed in order.
func (r *Round) Lane() string { return LaneOf(r.Topic, r.Partition) }

// LaneOf names the lane of a Kafka partition.
func LaneOf(topic string, partition int32) string {
	return fmt.Sprintf("%s/%d", topic, partition)
}

// FileName is the deterministic base name of every file of a round starting at
// start: "<topic>+<partition>+<start, 20 digits>". The format adds its extension.
func FileName(topic string, partition int32, start int64) string {
	return fmt.Sprintf("%s+%d+%020d", topic, partition, start)
}

// SpillDir is the local directory holding the round's spill files; empty
// when it has none (every file is held in memory).
func (r *Round) SpillDir() string {
	for _, f := range r.Files {
		if f.Spill != "" {
			return filepath.Dir(f.Spill)
		}
	}
	if r.DeadLetter != nil && r.DeadLetter.Spill != "" {
		return filepath.Dir(r.DeadLetter.Spill)
	}
	return ""
}

// Free releases what the round holds in this process once it is committed
// or dropped: its spill directory is removed and its held files are
// released. Calling it again does nothing more.
func (r *Round) Free() {
	if dir := r.SpillDir(); dir != "" {
		_ = os.RemoveAll(dir)
	}
	for _, f := range r.Files {
		if f.Held != nil {
			f.Held.Release()
		}
	}
	if r.DeadLetter != nil && r.DeadLetter.Held != nil {
		r.DeadLetter.Held.Release()
	}
}

// traceContext is the W3C Trace Context format links are kept in.
var traceContext propagation.TraceContext

// NewRecordLink describes a traced record held in the file key.
func NewRecordLink(sc trace.SpanContext, offset int64, key string) RecordLink {
	c := propagation.MapCarrier{}
	traceContext.Inject(trace.ContextWithRemoteSpanContext(context.Background(), sc), c)
	return RecordLink{TraceParent: c["traceparent"], TraceState: c["tracestate"], Offset: offset, Key: key}
}

// SpanContext returns the link's span context (invalid when the link does
// not hold a valid traceparent).
func (l RecordLink) SpanContext() trace.SpanContext {
	c := propagation.MapCarrier{"traceparent": l.TraceParent}
	if l.TraceState != "" {
		c["tracestate"] = l.TraceState
	}
	return trace.SpanContextFromContext(traceContext.Extract(context.Background(), c))
}
