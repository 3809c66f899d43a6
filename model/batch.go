package model

import (
	"cmp"
	"slices"
)

// Batch is a run of records of one Kafka partition, in offset order, as it
// travels the ingest stages (parse → partition → the topic's stages →
// buffer). Stages change it in place.
//
// A batch never spans an assignment: Generation names the assignment of the
// partition it was read under, and the buffer drops a batch of an earlier
// one (the partition was revoked, and maybe assigned again, while the batch
// was on its way).
type Batch struct {
	// Topic and Partition name the Kafka partition of every record.
	Topic     string
	Partition int32
	// Generation is the partition's assignment the records were read under.
	// Stages must leave it as it is.
	Generation uint64
	// Records are the batch's records in offset order. A stage may change
	// them and remove some (Keep), never reorder them or add any.
	Records []Record
	// Filtered holds the offsets of the records stages removed on purpose.
	// The round that covers them accounts for them, so that "sluice verify"
	// reports them as filtered, never as lost.
	Filtered Offsets
	// Rejected are the records that could not be archived as the topic
	// asks (a value that does not decode or does not match its schema),
	// with the reason, in offset order. They go to the topic's dead-letter
	// destination and the round that covers them accounts for their
	// offsets, so that "sluice verify" finds every offset archived,
	// filtered or dead-lettered. A stage rejects with Reject.
	Rejected []Rejection
}

// Rejection is a record that goes to the dead-letter destination, and why.
type Rejection struct {
	// Record is the record as it was read from Kafka (its Value the
	// original bytes). It owns its byte slices: Reject copies them, since
	// the consumer's buffers may be reused.
	Record Record
	// Reason says why, for people: "decoding avro: schema id 9 not found".
	Reason string
}

// Reject removes the records for which reject returns an error, in order,
// and keeps them in Rejected with the error's text as the reason. Use it
// for records that cannot be archived as asked, never for records a stage
// means to drop (Keep).
func (b *Batch) Reject(reject func(r *Record) error) {
	before := len(b.Rejected)
	defer b.sortRejected(before)
	out := b.Records[:0]
	for i := range b.Records {
		r := &b.Records[i]
		err := reject(r)
		if err == nil {
			if len(out) < i { // records before were rejected: move it down
				out = append(out, *r)
			} else {
				out = out[:i+1]
			}
			continue
		}
		b.Rejected = append(b.Rejected, Rejection{Record: r.detached(), Reason: err.Error()})
	}
	clear(b.Records[len(out):])
	b.Records = out
}

// sortRejected keeps Rejected in offset order when a later Reject (a
// stage after the parser) rejected records before ones rejected earlier.
func (b *Batch) sortRejected(from int) {
	if from == 0 || from == len(b.Rejected) || b.Rejected[from-1].Record.Offset < b.Rejected[from].Record.Offset {
		return
	}
	slices.SortStableFunc(b.Rejected, func(x, y Rejection) int { return cmp.Compare(x.Record.Offset, y.Record.Offset) })
}

// detached returns the record as read from Kafka, with copies of its
// bytes and without decoded fields or schema.
func (r *Record) detached() Record {
	c := Record{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Timestamp: r.Timestamp,
		Key: clone(r.Key), Value: clone(r.Value), EventTime: r.EventTime,
		EventTimeFallback: r.EventTimeFallback, Trace: r.Trace}
	if len(r.Headers) > 0 {
		c.Headers = make([]Header, len(r.Headers))
		for i, h := range r.Headers {
			c.Headers[i] = Header{Key: h.Key, Value: clone(h.Value)}
		}
	}
	return c
}

// clone copies b, keeping nil as nil (a missing key or a tombstone).
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// Keep keeps the records for which keep returns true, in order, and records
// the offsets of the others in Filtered.
func (b *Batch) Keep(keep func(r *Record) bool) {
	out := b.Records[:0]
	for i := range b.Records {
		if keep(&b.Records[i]) {
			out = append(out, b.Records[i])
		} else {
			b.Filtered.Add(b.Records[i].Offset)
		}
	}
	clear(b.Records[len(out):]) // let the dropped values go
	b.Records = out
}

// Len returns the number of records the batch holds.
func (b *Batch) Len() int { return len(b.Records) }

// Size returns the payload bytes of the batch's records (Record.Size).
func (b *Batch) Size() int {
	n := 0
	for i := range b.Records {
		n += b.Records[i].Size()
	}
	return n
}
