package model

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
