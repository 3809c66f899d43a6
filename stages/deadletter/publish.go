package deadletter

import (
	"context"
	"strconv"

	"github.com/sluicehq/sluice/model"
)

// Headers sluice adds to a record it publishes to a dead-letter topic,
// after the record's own.
const (
	HeaderReason    = "sluice.reason"
	HeaderTopic     = "sluice.topic"
	HeaderPartition = "sluice.partition"
	HeaderOffset    = "sluice.offset"
)

// Publisher publishes records to a Kafka topic (transport/kafka's
// RecordPublisher). Publish blocks until the brokers acknowledged every
// record, or returns the first error; records before it may be published.
// It is safe for concurrent use. Delivery is at least once: a round whose
// upload is tried again publishes its records again.
type Publisher interface {
	Publish(ctx context.Context, topic string, recs []model.Record) error
}

// Outgoing is the record published for a rejected one: its original key,
// value and headers, then the reason and where it was read from
// (HeaderReason, HeaderTopic, HeaderPartition, HeaderOffset). Its
// Timestamp is the original record's.
func Outgoing(r *model.Rejection) model.Record {
	in := &r.Record
	out := model.Record{Topic: in.Topic, Partition: in.Partition, Offset: in.Offset, Timestamp: in.Timestamp,
		Key: in.Key, Value: in.Value}
	out.Headers = make([]model.Header, 0, len(in.Headers)+4)
	out.Headers = append(out.Headers, in.Headers...)
	out.Headers = append(out.Headers,
		model.Header{Key: HeaderReason, Value: []byte(r.Reason)},
		model.Header{Key: HeaderTopic, Value: []byte(in.Topic)},
		model.Header{Key: HeaderPartition, Value: strconv.AppendInt(nil, int64(in.Partition), 10)},
		model.Header{Key: HeaderOffset, Value: strconv.AppendInt(nil, in.Offset, 10)})
	return out
}
