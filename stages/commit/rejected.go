package commit

import (
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/deadletter"
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
	RoundOffsets
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
	o, ok := roundOffsets(r, r.RejectedRanges, rejectedVersion)
	if !ok {
		return Rejected{}, false
	}
	return Rejected{RoundOffsets: o, Destination: destination, Key: key, KafkaTopic: kafkaTopic}, true
}

// Encode returns rj as the object's bytes: compact JSON and a newline, the
// same bytes for the same record.
func (rj Rejected) Encode() ([]byte, error) { return encodeRecord("rejected", rj.RoundOffsets, rj) }

// DecodeRejected decodes the object stored at key and checks it against
// the key and itself. Its errors wrap ErrBadRejected.
func DecodeRejected(key string, data []byte) (Rejected, error) {
	return decodeRecord(key, data, RejectedPrefix, ErrBadRejected, func(rj Rejected, topic string, partition int32, start int64) error {
		if err := rj.check(topic, partition, start, rejectedVersion); err != nil {
			return err
		}
		switch {
		case rj.Destination == deadletter.DestinationBucket && rj.Key == "":
			return errors.New("destination bucket names no key")
		case rj.Destination == deadletter.DestinationKafka && rj.KafkaTopic == "":
			return errors.New("destination kafka names no topic")
		case rj.Destination != deadletter.DestinationBucket && rj.Destination != deadletter.DestinationKafka:
			return fmt.Errorf("unknown destination %q", rj.Destination)
		}
		return nil
	})
}
