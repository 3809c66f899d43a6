package commit

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/model"
)

// RejectedPrefix is where the records of rejected offsets live, relative
// to the destination prefix.
const RejectedPrefix = "_sluice/rejected/"

// rejectedVersion is the version of a Rejected record's JSON layout.
const rejectedVersion = 1

// ErrBadRejected means a record of rejected offsets cannot be decoded or
// contradicts itself or its key.
var ErrBadRejected = errors.New("bad record of rejected offsets")

// Rejected is the durable record of the offsets of one round whose records
// were rejected (model.Batch.Reject) and sent to the topic's dead-letter
// destination: once the round is committed, it says which of its offsets
// are dead-lettered rather than lost. A sibling of Filtered (its own key
// under RejectedPrefix, so that readers of filtered records are unchanged),
// the upload stage writes it after sending the records to their
// destination and before the round is committed, for every round with
// rejected records. Its bytes are a function of the round and the topic's
// dead_letter settings, so whoever writes a round again writes the same
// object.
type Rejected struct {
	Version   int    `json:"version"`
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	// Start and End are the round's first and last offset (model.Round).
	Start int64 `json:"start"`
	End   int64 `json:"end"`
	// Count is the number of rejected offsets, the sum of Ranges' lengths.
	Count int64 `json:"count"`
	// Ranges are the rejected offsets: sorted, disjoint, non-adjacent and
	// within [Start..End].
	Ranges []model.OffsetRange `json:"ranges"`
	// Destination is where the records went: "bucket" or "kafka".
	Destination string `json:"destination"`
	// Key is the bucket's dead-letter file holding exactly these records,
	// relative to the destination prefix (destination bucket).
	Key string `json:"key,omitempty"`
	// KafkaTopic is the topic they were published to (destination kafka).
	KafkaTopic string `json:"kafka_topic,omitempty"`
}

// RejectedKey is where the rejected offsets of the round of a partition
// starting at start live, relative to the destination prefix:
// "_sluice/rejected/<topic>/<partition>/<start, 20 digits>.json".
func RejectedKey(topic string, partition int32, start int64) string {
	return fmt.Sprintf("%s%s/%d/%020d.json", RejectedPrefix, topic, partition, start)
}

// ParseRejectedKey returns the partition and round start RejectedKey made
// key of; ok is false for any other key.
func ParseRejectedKey(key string) (topic string, partition int32, start int64, ok bool) {
	return parseRecordKey(RejectedPrefix, key)
}

// RejectedOf returns the record of r's rejected offsets, sent to
// destination (the bucket's file key, or the Kafka topic, says where); ok
// is false when r has none.
func RejectedOf(r *model.Round, destination, key, kafkaTopic string) (rj Rejected, ok bool) {
	if len(r.RejectedRanges) == 0 {
		return Rejected{}, false
	}
	var n int64
	for _, x := range r.RejectedRanges {
		n += x.Last - x.First + 1
	}
	return Rejected{Version: rejectedVersion, Topic: r.Topic, Partition: r.Partition, Start: r.Start, End: r.End,
		Count: n, Ranges: r.RejectedRanges, Destination: destination, Key: key, KafkaTopic: kafkaTopic}, true
}

// Encode returns rj as the object's bytes: compact JSON and a newline, the
// same bytes for the same record.
func (rj Rejected) Encode() ([]byte, error) {
	data, err := json.Marshal(rj)
	if err != nil {
		return nil, fmt.Errorf("encoding rejected offsets of %s: %w", model.LaneOf(rj.Topic, rj.Partition), err)
	}
	return append(data, '\n'), nil
}

// DecodeRejected decodes the object stored at key and checks it against
// the key and itself. Its errors wrap ErrBadRejected.
func DecodeRejected(key string, data []byte) (Rejected, error) {
	topic, partition, start, ok := ParseRejectedKey(key)
	if !ok {
		return Rejected{}, fmt.Errorf("%w: %q is not named %s<topic>/<partition>/<20-digit offset>.json", ErrBadRejected, key, RejectedPrefix)
	}
	var rj Rejected
	if err := json.Unmarshal(data, &rj); err != nil {
		return Rejected{}, fmt.Errorf("%w: %q: %w", ErrBadRejected, key, err)
	}
	if err := rj.check(topic, partition, start); err != nil {
		return Rejected{}, fmt.Errorf("%w: %q: %w", ErrBadRejected, key, err)
	}
	return rj, nil
}

// check says how rj disagrees with its key or with itself.
func (rj Rejected) check(topic string, partition int32, start int64) error {
	switch {
	case rj.Version != rejectedVersion:
		return fmt.Errorf("version %d, want %d", rj.Version, rejectedVersion)
	case rj.Topic != topic || rj.Partition != partition || rj.Start != start:
		return fmt.Errorf("holds the round at %d of %s, its key says the round at %d of %s",
			rj.Start, model.LaneOf(rj.Topic, rj.Partition), start, model.LaneOf(topic, partition))
	case rj.End < rj.Start:
		return fmt.Errorf("round ends at %d before its start %d", rj.End, rj.Start)
	case rj.Destination == "bucket" && rj.Key == "":
		return errors.New("destination bucket names no key")
	case rj.Destination == "kafka" && rj.KafkaTopic == "":
		return errors.New("destination kafka names no topic")
	case rj.Destination != "bucket" && rj.Destination != "kafka":
		return fmt.Errorf("unknown destination %q", rj.Destination)
	}
	return checkRanges(rj.Start, rj.End, rj.Count, rj.Ranges)
}
