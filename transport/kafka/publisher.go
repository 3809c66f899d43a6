package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/IBM/sarama"
	wkafka "github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/sluicehq/sluice/internal/wmlog"
	"github.com/sluicehq/sluice/model"
)

// RecordPublisher publishes records to Kafka topics through watermill-kafka's
// Publisher (a sarama SyncProducer), on the brokers, protocol version,
// client id, TLS and SASL of the consumer's configuration: the dead-letter
// destination of topics whose dead_letter destination is kafka
// (stages/deadletter.Publisher). Each record keeps its key, value, headers
// and timestamp; Kafka picks the partition by the key. Safe for concurrent
// use.
type RecordPublisher struct {
	pub *wkafka.Publisher

	mu     sync.Mutex
	closed bool
}

// NewRecordPublisher connects a publisher to cfg's brokers.
func NewRecordPublisher(cfg Config, logger *slog.Logger) (*RecordPublisher, error) {
	sc := wkafka.DefaultSaramaSyncPublisherConfig()
	if err := applyClient(sc, cfg); err != nil {
		return nil, err
	}
	sc.Producer.RequiredAcks = sarama.WaitForAll
	// A rejected record was read from Kafka, so the brokers took it once:
	// let them, not the client's 1 MB default, judge its size.
	sc.Producer.MaxMessageBytes = int(sarama.MaxRequestSize) - 1024
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	pub, err := wkafka.NewPublisher(wkafka.PublisherConfig{
		Brokers:               cfg.Brokers,
		Marshaler:             recordMarshaler{},
		OverwriteSaramaConfig: sc,
	}, wmlog.New(logger))
	if err != nil {
		return nil, fmt.Errorf("connecting the dead-letter publisher: %w", err)
	}
	return &RecordPublisher{pub: pub}, nil
}

// ErrPublisherClosed is returned by Publish after Close.
var ErrPublisherClosed = errors.New("publisher closed")

// Publish sends recs to topic, one at a time, each acknowledged by all
// in-sync replicas before the next is sent; it returns the first error
// (records before it are published). The send is not interrupted by ctx
// (sarama's own retries and timeouts bound it); a ctx done before a record
// stops the rest.
func (p *RecordPublisher) Publish(ctx context.Context, topic string, recs []model.Record) error {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return ErrPublisherClosed
	}
	for i := range recs {
		if err := ctx.Err(); err != nil {
			return err
		}
		msg := message.NewMessage(fmt.Sprintf("%s/%d@%d", recs[i].Topic, recs[i].Partition, recs[i].Offset), nil)
		msg.SetContext(context.WithValue(ctx, recordKey{}, &recs[i]))
		if err := p.pub.Publish(topic, msg); err != nil {
			return fmt.Errorf("publishing %s to %q: %w", msg.UUID, topic, err)
		}
	}
	return nil
}

// Close closes the producer; it is idempotent.
func (p *RecordPublisher) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	return p.pub.Close()
}

type recordKey struct{}

// recordMarshaler makes the Kafka message of the record a message carries
// in its context: the record's bytes go to Kafka as they are, never
// through Watermill's string payload and metadata.
type recordMarshaler struct{}

func (recordMarshaler) Marshal(topic string, msg *message.Message) (*sarama.ProducerMessage, error) {
	rec, ok := msg.Context().Value(recordKey{}).(*model.Record)
	if !ok {
		return nil, fmt.Errorf("message %s carries no record", msg.UUID)
	}
	pm := &sarama.ProducerMessage{Topic: topic, Timestamp: rec.Timestamp}
	if rec.Key != nil {
		pm.Key = sarama.ByteEncoder(rec.Key)
	}
	if rec.Value != nil {
		pm.Value = sarama.ByteEncoder(rec.Value)
	}
	if len(rec.Headers) > 0 {
		pm.Headers = make([]sarama.RecordHeader, len(rec.Headers))
		for i, h := range rec.Headers {
			pm.Headers[i] = sarama.RecordHeader{Key: []byte(h.Key), Value: h.Value}
		}
	}
	return pm, nil
}
