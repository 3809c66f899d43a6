package pipeline

import (
	"context"
	"log/slog"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/deadletter"
)

// deadLetterToKafka reports whether a topic's rejected records go to Kafka.
func (p *Pipeline) deadLetterToKafka() bool {
	for _, ts := range p.topics {
		if ts.deadLetter.Destination == deadletter.DestinationKafka {
			return true
		}
	}
	return false
}

// checkRejected logs the batch's rejected records (at debug level) and
// checks them against the topic's dead_letter threshold: an error means
// the partition crossed it.
func (p *Pipeline) checkRejected(b *model.Batch) error {
	ts := p.topics[b.Topic]
	if ts == nil {
		return nil
	}
	if len(b.Rejected) > 0 && p.log.Enabled(context.Background(), slog.LevelDebug) {
		for _, r := range b.Rejected {
			p.log.LogAttrs(context.Background(), slog.LevelDebug, "record rejected; it goes to the dead-letter destination",
				slog.String("topic", b.Topic), slog.Int("partition", int(b.Partition)),
				slog.Int64("offset", r.Record.Offset), slog.String("reason", r.Reason),
				slog.String("destination", ts.deadLetter.Destination))
		}
	}
	return ts.guard.Check(b)
}
