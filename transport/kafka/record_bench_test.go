package kafka_test

import (
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/transport/kafka"
)

// benchMessage is a typical consumed record: a key, a 300-byte value, two
// headers.
func benchMessage() *sarama.ConsumerMessage {
	value := make([]byte, 300)
	for i := range value {
		value[i] = 'a' + byte(i%26)
	}
	return &sarama.ConsumerMessage{
		Topic: "clickstream.events", Partition: 7, Offset: 123_456_789,
		Timestamp: time.Date(2026, 11, 22, 1, 2, 3, 0, time.UTC),
		Key:       []byte("user-12345"), Value: value,
		Headers: []*sarama.RecordHeader{
			{Key: []byte("traceparent"), Value: []byte("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")},
			{Key: []byte("source"), Value: []byte("web")},
		},
	}
}

// BenchmarkUnmarshal is the Subscriber's per-record cost of turning a sarama
// message into a Watermill message.
func BenchmarkUnmarshal(b *testing.B) {
	m := benchMessage()
	b.SetBytes(int64(len(m.Value)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := (kafka.Unmarshaler{}).Unmarshal(m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecordFrom is the ingest handler's per-record cost of reading
// the Kafka fields back from the Watermill message.
func BenchmarkRecordFrom(b *testing.B) {
	msg, err := kafka.Unmarshaler{}.Unmarshal(benchMessage())
	require.NoError(b, err)
	b.SetBytes(int64(len(msg.Payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := kafka.RecordFrom(msg); err != nil {
			b.Fatal(err)
		}
	}
}
