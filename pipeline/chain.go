package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.opentelemetry.io/otel/trace"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/schema"
	"github.com/sluicehq/sluice/stages/buffer"
	"github.com/sluicehq/sluice/stages/format"
	"github.com/sluicehq/sluice/telemetry"
	"github.com/sluicehq/sluice/transport/link"
)

// Topics of the ingest link: the batcher publishes to topicParse, each
// handler of the chain to the next one's topic, the last to topicBuffer.
const (
	topicParse     = "parse"
	topicPartition = "partition"
	topicBuffer    = "buffer"
)

// topicStage is the ingest link topic of the i-th configured stage.
func topicStage(i int) string { return "stages[" + strconv.Itoa(i) + "]" }

// carrier is what an ingest message carries, in its context: the batch,
// which every handler changes in place, and the spans of its sampled
// records. A batch never leaves the process, so it is never encoded.
type carrier struct {
	batch  *model.Batch
	traces []tracedRecord
	// received is set once the receive spans were started.
	received bool
}

// tracedRecord is a sampled record's receive span (ended by the buffer
// handler) and the context its stage spans start in.
type tracedRecord struct {
	offset int64
	ctx    context.Context
	span   trace.Span
}

type carrierKey struct{}

// batchMessage wraps c in a message of its partition's lane.
func batchMessage(ctx context.Context, c *carrier) *message.Message {
	b := c.batch
	msg := message.NewMessage(model.LaneOf(b.Topic, b.Partition)+"@"+strconv.FormatUint(b.Generation, 10)+
		"+"+firstOffset(b), nil)
	msg.Metadata.Set(link.LaneKey, model.LaneOf(b.Topic, b.Partition))
	msg.SetContext(context.WithValue(ctx, carrierKey{}, c))
	return msg
}

func firstOffset(b *model.Batch) string {
	if len(b.Records) == 0 {
		return "-"
	}
	return strconv.FormatInt(b.Records[0].Offset, 10)
}

// errNoBatch is returned for an ingest message that carries no batch: a
// programming error, never a record's content.
var errNoBatch = errors.New("ingest message carries no batch")

func carrierOf(msg *message.Message) (*carrier, error) {
	c, ok := msg.Context().Value(carrierKey{}).(*carrier)
	if !ok {
		return nil, fmt.Errorf("%w: %s", errNoBatch, msg.UUID)
	}
	return c, nil
}

// emitBatch is the batcher's Emit: it publishes a batch to the chain's
// first handler, waiting while the link is full (backpressure reaches the
// Kafka consumer).
func (p *Pipeline) emitBatch(ctx context.Context, b *model.Batch) error {
	return p.ingestLink.Publish(topicParse, batchMessage(ctx, &carrier{batch: b}))
}

// step is one handler of the ingest chain: it runs fn over the batch and
// hands it to the next topic. A stage's error stops sluice (see fail): a
// batch is never run through a stage twice, because a stage that failed
// half-way has changed it.
func (p *Pipeline) step(span string, fn func(ctx context.Context, c *carrier) error) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		c, err := carrierOf(msg)
		if err != nil {
			return nil, err
		}
		ctx := msg.Context()
		if !c.received {
			p.receive(ctx, c)
		}
		spans := p.startSpans(c, span)
		err = fn(ctx, c)
		endSpans(spans, err)
		if err != nil {
			p.fail(c.batch, err)
			return nil, nil
		}
		out := message.NewMessage(msg.UUID, nil)
		out.Metadata.Set(link.LaneKey, msg.Metadata.Get(link.LaneKey))
		out.SetContext(ctx)
		return []*message.Message{out}, nil
	}
}

// receive starts the receive spans of the batch's sampled records (with
// tracing off, it costs nothing per record).
func (p *Pipeline) receive(ctx context.Context, c *carrier) {
	c.received = true
	if !p.records.On() {
		return
	}
	b := c.batch
	for i := range b.Records {
		rctx, span := p.records.Receive(ctx, &b.Records[i])
		if span.IsRecording() {
			c.traces = append(c.traces, tracedRecord{offset: b.Records[i].Offset, ctx: rctx, span: span})
		}
	}
}

// parseBatch decodes the records (rejecting those that do not decode) and
// reads their event time.
func (p *Pipeline) parseBatch(_ context.Context, c *carrier) error {
	b := c.batch
	ts := p.topics[b.Topic]
	if ts == nil {
		return fmt.Errorf("batch of unexpected topic %q", b.Topic)
	}
	if err := ts.parse.ParseBatch(b); err != nil {
		return fmt.Errorf("parsing %s/%d: %w", b.Topic, b.Partition, err)
	}
	return nil
}

// partitionBatch sets every record's output partition.
func (p *Pipeline) partitionBatch(_ context.Context, c *carrier) error {
	b := c.batch
	ts := p.topics[b.Topic]
	for i := range b.Records {
		b.Records[i].Path = ts.partition.Dir(&b.Records[i])
	}
	return nil
}

// runStage runs the topic's i-th configured stage, if it has one.
func (p *Pipeline) runStage(i int) func(ctx context.Context, c *carrier) error {
	return func(ctx context.Context, c *carrier) error {
		b := c.batch
		ts := p.topics[b.Topic]
		if i >= len(ts.stages) {
			return nil
		}
		if err := ts.stages[i].stage.Process(ctx, b); err != nil {
			return fmt.Errorf("stage %q of topic %q on %s/%d: %w", ts.stages[i].name, b.Topic, b.Topic, b.Partition, err)
		}
		return nil
	}
}

// bufferBatch re-encodes the values stages changed and appends the batch to
// the buffer. It is the chain's last handler.
func (p *Pipeline) bufferBatch(msg *message.Message) (err error) {
	c, err := carrierOf(msg)
	if err != nil {
		return err
	}
	b := c.batch
	spans := p.startSpans(c, telemetry.SpanBuffer)
	defer func() {
		endSpans(spans, err)
		for _, t := range c.traces {
			telemetry.End(t.span, err)
		}
	}()
	fitBatch(b, p.topics[b.Topic].buffer.Layouts)
	if err = p.checkRejected(b); err != nil {
		// Too many rejected records: the partition halts before the
		// batch, what came before it is stored, and sluice stops.
		p.fail(b, err)
		return nil
	}
	ctx := msg.Context()
	if spans != nil {
		ctx = buffer.WithTraceHook(ctx, func(rec *model.Record, key string, roundStart int64) {
			for i, t := range c.traces {
				if t.offset == rec.Offset && spans[i].IsRecording() {
					spans[i].SetAttributes(telemetry.AttrFileKey.String(key), telemetry.AttrRoundStart.Int64(roundStart))
				}
			}
		})
	}
	err = p.buffer.Append(ctx, b)
	switch {
	case err == nil, errors.Is(err, buffer.ErrDraining):
		// Draining: the records are read again by the partition's next owner.
		return nil
	case errors.Is(err, buffer.ErrRecordTooLarge):
		p.fail(b, err)
	default:
		// Part of the batch may be in the open round: drop the round and
		// read the partition again from its durable offset.
		p.log.Error("buffering a batch failed; the partition is read again from its durable offset",
			"topic", b.Topic, "partition", b.Partition, "err", err)
		p.stale(b.Topic, b.Partition)
	}
	return nil
}

// fitBatch re-encodes the values stages changed (converting those of typed
// records to their schema's types) and dead-letters the records the
// topic's files cannot take as they are: typed fields that do not fit their
// schema (a stage set a wrong type, a decoder broke its contract), a schema
// whose fields are named like envelope columns, a value that is not UTF-8
// for a string value column, fields that do not encode. What reaches the
// buffer appends to its file's columns exactly. A record dead-lettered here
// keeps the value it was read with, not the JSON a stage's changes
// re-encoded.
func fitBatch(b *model.Batch, layouts *format.Layouts) {
	stringValue := layouts.StringValue()
	b.Reject(func(r *model.Record) error {
		orig := r.Value
		if err := fitRecord(r, layouts, stringValue); err != nil {
			r.Value = orig
			return err
		}
		return nil
	})
}

// fitRecord is fitBatch's work on one record.
func fitRecord(r *model.Record, layouts *format.Layouts, stringValue bool) error {
	if err := r.Sync(); err != nil {
		return err
	}
	if r.Schema != nil {
		if _, err := layouts.For(r.Schema); err != nil {
			return err
		}
		if !r.Schema.Conforming || r.Touched() {
			m, _ := r.Fields()
			if schema.Check(r.Schema, m) != nil {
				// A stage's values come in JSON's shapes (a transform's
				// numbers, RFC 3339 times): convert them to the schema's.
				if err := schema.Conform(r.Schema, m); err != nil {
					return fmt.Errorf("checking the fields against schema %s: %w", r.Schema.ID, err)
				}
			}
		}
	}
	if stringValue && r.Value != nil && !utf8.Valid(r.Value) {
		return errors.New("the value is not valid UTF-8 (format.columns.value_type is string)")
	}
	return nil
}

// fail stops sluice with err, which retrying the batch cannot fix. The
// partition is halted first: what came before the batch is stored, nothing
// after it is committed while sluice drains.
func (p *Pipeline) fail(b *model.Batch, err error) {
	p.buffer.Halt(b.Topic, b.Partition)
	select {
	case p.fatal <- err:
	default:
	}
}

// startSpans starts a stage span under every sampled record of c.
func (p *Pipeline) startSpans(c *carrier, name string) []trace.Span {
	if len(c.traces) == 0 {
		return nil
	}
	spans := make([]trace.Span, len(c.traces))
	for i, t := range c.traces {
		_, spans[i] = p.records.Start(t.ctx, name)
	}
	return spans
}

func endSpans(spans []trace.Span, err error) {
	for _, s := range spans {
		telemetry.End(s, err)
	}
}
