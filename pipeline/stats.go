package pipeline

import "github.com/sluicehq/sluice/stages/buffer"

// Stats is a snapshot of what a running pipeline did since it started.
type Stats struct {
	// RecordsIn counts records accepted by the buffer; BytesIn their payload.
	RecordsIn, BytesIn int64
	// RecordsSkipped counts records read again that the bucket already held
	// (Kafka's committed offset lagged the bucket's progress record).
	RecordsSkipped int64
	// RecordsFiltered counts records the topics' stages removed on purpose
	// (accounted for in their rounds).
	RecordsFiltered int64
	// RecordsRejected counts records that could not be archived as their
	// topic asks (accounted for in their rounds and sent to the topic's
	// dead-letter destination).
	RecordsRejected int64
	// PartitionsAssigned and PartitionsRevoked count the partitions the
	// consumer group gave this process and took back (or stopped: an eager
	// rebalance stops every partition, a cooperative one only those that
	// move).
	PartitionsAssigned, PartitionsRevoked int64
	// EventTimeFallbacks counts records whose event time could not be read
	// from the value (stored all the same, partitioned by Kafka timestamp).
	EventTimeFallbacks int64
	// Buffered is the bytes held in memory (open files, and sealed rounds
	// held until uploaded); OpenFiles the files open.
	Buffered, OpenFiles int64
	// RoundsSealed counts rounds handed to upload; RoundsSealedBy counts
	// them by trigger (buffer.Triggers).
	RoundsSealed   int64
	RoundsSealedBy map[string]int64
	// ChainsBroken counts partitions read again from their durable offset
	// because a round could not be spilled or published. SpillRetries counts
	// spill writes tried again after a failure (a full disk).
	ChainsBroken, SpillRetries int64
	// FilesUploaded and BytesUploaded count stored data files.
	FilesUploaded, BytesUploaded int64
	// RoundsCommitted and RecordsCommitted count what is durable.
	RoundsCommitted, RecordsCommitted int64
	// RoundsDropped counts rounds not uploaded because they were already
	// stored or the partition had moved on (stale).
	RoundsDropped int64
	// Durable is the next offset to store per partition ("topic/partition"),
	// as committed by this process.
	Durable map[string]int64
}

// Stats returns a snapshot of the pipeline's counters. It is safe to call
// while Run runs, and returns zeros before.
func (p *Pipeline) Stats() Stats {
	var s Stats
	if !p.ready.Load() {
		return s
	}
	b := p.buffer.Stats()
	s.RecordsIn, s.BytesIn, s.RecordsSkipped = b.Records.Load(), b.Bytes.Load(), b.Skipped.Load()
	s.RecordsFiltered, s.RecordsRejected = b.Filtered.Load(), b.Rejected.Load()
	s.PartitionsAssigned, s.PartitionsRevoked = p.assigned.Load(), p.revoked.Load()
	s.Buffered, s.OpenFiles = p.buffer.InMemory(), p.buffer.OpenFiles()
	s.RoundsSealed = b.Rounds.Load()
	s.RoundsSealedBy = map[string]int64{}
	p.buffer.Lanes(func(l *buffer.LaneStats) {
		for i := range l.Rounds {
			s.RoundsSealedBy[buffer.Triggers[i]] += l.Rounds[i].Load()
		}
	})
	s.ChainsBroken, s.SpillRetries = b.Broken.Load(), b.SpillRetries.Load()
	u := p.upload.Stats()
	s.FilesUploaded, s.BytesUploaded, s.RoundsDropped = u.Files.Load(), u.Bytes.Load(), u.Dropped.Load()
	c := p.commit.Stats()
	s.RoundsCommitted, s.RecordsCommitted = c.Rounds.Load(), c.Records.Load()
	s.Durable = p.commit.Durable()
	for _, t := range p.topics {
		s.EventTimeFallbacks += int64(t.parse.Stats().Fallbacks)
	}
	return s
}
