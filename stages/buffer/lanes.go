package buffer

import (
	"sync/atomic"

	"github.com/sluicehq/sluice/model"
)

// LaneStats counts what the buffer did with one Kafka partition since the
// stage was built; it outlives the partition's assignments. Fields are safe
// to read concurrently. Each is written by the one goroutine handling the
// partition at a time, so counting costs an uncontended atomic add.
type LaneStats struct {
	Topic     string
	Partition int32
	// Consumed and ConsumedBytes count every record Append was given
	// (Record.Size bytes), buffered or not.
	Consumed, ConsumedBytes atomic.Int64
	// Skipped counts records the bucket already held; Discarded records of a
	// broken chain; Filtered records stages removed (in their rounds);
	// Rejected records that could not be archived as the topic asks (in
	// their rounds' dead-letter lines), RejectedBytes their Record.Size.
	Skipped, Discarded, Filtered atomic.Int64
	Rejected, RejectedBytes      atomic.Int64
	// Buffered counts records accepted into rounds; Sealed those of rounds
	// handed over and Dropped those of rounds dropped, so
	// Buffered-Sealed-Dropped records are in the open round.
	Buffered, Sealed, Dropped atomic.Int64
	// Rounds counts rounds handed over, indexed like Triggers.
	Rounds [len(Triggers)]atomic.Int64
}

// Triggers lists the seal triggers in the order LaneStats.Rounds counts them.
var Triggers = [...]string{TriggerSize, TriggerCount, TriggerSpan, TriggerIdle,
	TriggerOpenFiles, TriggerDisk, TriggerForced, TriggerShutdown}

// lane returns the partition's stats, made on first use; the caller holds s.mu.
func (s *Stage) lane(topic string, partition int32) *LaneStats {
	key := model.LaneOf(topic, partition)
	l := s.lanes[key]
	if l == nil {
		l = &LaneStats{Topic: topic, Partition: partition}
		s.lanes[key] = l
	}
	return l
}

// Lanes calls fn with the stats of every partition the buffer has seen.
func (s *Stage) Lanes(fn func(*LaneStats)) {
	s.mu.Lock()
	lanes := make([]*LaneStats, 0, len(s.lanes))
	for _, l := range s.lanes {
		lanes = append(lanes, l)
	}
	s.mu.Unlock()
	for _, l := range lanes {
		fn(l)
	}
}

// countRound counts a round handed over; the caller holds the part's lock.
func (l *LaneStats) countRound(trigger string, records int64) {
	l.Sealed.Add(records)
	for i, t := range Triggers {
		if t == trigger {
			l.Rounds[i].Add(1)
			return
		}
	}
}

func (s *Stage) countTrigger(t string) {
	switch t {
	case TriggerSize:
		s.stats.BySize.Add(1)
	case TriggerCount:
		s.stats.ByCount.Add(1)
	case TriggerSpan:
		s.stats.BySpan.Add(1)
	case TriggerIdle:
		s.stats.ByIdle.Add(1)
	case TriggerOpenFiles:
		s.stats.ByOpenFiles.Add(1)
	case TriggerDisk:
		s.stats.ByDisk.Add(1)
	case TriggerForced:
		s.stats.ByForced.Add(1)
	case TriggerShutdown:
		s.stats.ByShutdown.Add(1)
	}
}
