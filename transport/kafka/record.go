package kafka

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/IBM/sarama"
	wkafka "github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/sluicehq/sluice/stages"
)

// Metadata keys the Unmarshaler sets on every message.
const (
	metaTopic   = "kafka_topic"
	metaKey     = "kafka_key"
	metaHeaders = "kafka_headers"
)

// ErrNotKafka is returned by RecordFrom for a message that did not come from
// the Unmarshaler.
var ErrNotKafka = errors.New("message did not come from the kafka subscriber")

// Unmarshaler turns a Kafka record into a Watermill message losslessly: the
// value is the payload; topic, key (nil and empty kept apart) and headers
// (order and repeated keys kept) travel in metadata. Partition, offset and
// timestamp travel in the message context, where watermill-kafka puts them.
type Unmarshaler struct{}

// Unmarshal implements watermill-kafka's Unmarshaler.
func (Unmarshaler) Unmarshal(m *sarama.ConsumerMessage) (*message.Message, error) {
	meta := make(message.Metadata, 3)
	meta[metaTopic] = m.Topic
	if m.Key != nil {
		meta[metaKey] = string(m.Key)
	}
	if len(m.Headers) > 0 {
		meta[metaHeaders] = encodeHeaders(m.Headers)
	}
	uuid := m.Topic + "-" + strconv.Itoa(int(m.Partition)) + "-" + strconv.FormatInt(m.Offset, 10)
	msg := message.NewMessage(uuid, m.Value)
	msg.Metadata = meta
	return msg, nil
}

// RecordFrom rebuilds the Kafka record carried by a message from the
// Subscriber. The record's slices alias the message.
func RecordFrom(msg *message.Message) (stages.Record, error) {
	topic, ok := msg.Metadata[metaTopic]
	if !ok {
		return stages.Record{}, ErrNotKafka
	}
	ctx := msg.Context()
	partition, ok := wkafka.MessagePartitionFromCtx(ctx)
	if !ok {
		return stages.Record{}, ErrNotKafka
	}
	offset, _ := wkafka.MessagePartitionOffsetFromCtx(ctx)
	ts, _ := wkafka.MessageTimestampFromCtx(ctx)
	rec := stages.Record{
		Topic:     topic,
		Partition: partition,
		Offset:    offset,
		Timestamp: ts.UTC(),
		Value:     msg.Payload,
	}
	if k, ok := msg.Metadata[metaKey]; ok {
		rec.Key = []byte(k)
	}
	if h, ok := msg.Metadata[metaHeaders]; ok {
		hs, err := decodeHeaders(h)
		if err != nil {
			return stages.Record{}, fmt.Errorf("decoding headers of %s: %w", msg.UUID, err)
		}
		rec.Headers = hs
	}
	if rec.Timestamp.IsZero() {
		rec.Timestamp = time.Unix(0, 0).UTC()
	}
	return rec, nil
}

// encodeHeaders writes headers as (uvarint len, key, uvarint len+1 or 0 for
// nil, value) tuples.
func encodeHeaders(hs []*sarama.RecordHeader) string {
	n := 0
	for _, h := range hs {
		n += len(h.Key) + len(h.Value) + 2*binary.MaxVarintLen32
	}
	buf := make([]byte, 0, n)
	for _, h := range hs {
		buf = binary.AppendUvarint(buf, uint64(len(h.Key)))
		buf = append(buf, h.Key...)
		if h.Value == nil {
			buf = binary.AppendUvarint(buf, 0)
			continue
		}
		buf = binary.AppendUvarint(buf, uint64(len(h.Value))+1)
		buf = append(buf, h.Value...)
	}
	return string(buf)
}

var errCorruptHeaders = errors.New("corrupt header encoding")

func decodeHeaders(s string) ([]stages.Header, error) {
	b := []byte(s)
	var hs []stages.Header
	for len(b) > 0 {
		kl, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < kl {
			return nil, errCorruptHeaders
		}
		key := string(b[n : n+int(kl)])
		b = b[n+int(kl):]
		vl, n := binary.Uvarint(b)
		if n <= 0 || (vl > 0 && uint64(len(b)-n) < vl-1) {
			return nil, errCorruptHeaders
		}
		var val []byte
		if vl > 0 {
			val = b[n : n+int(vl-1)]
			b = b[n+int(vl-1):]
		} else {
			b = b[n:]
		}
		hs = append(hs, stages.Header{Key: key, Value: val})
	}
	return hs, nil
}
