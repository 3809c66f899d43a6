package telemetry

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/sluicehq/sluice/model"
)

// RecordTracer traces Kafka records through the ingest stages: a receive
// span per sampled record, joined to the producer's trace when the record
// carries a W3C traceparent header, with a span per stage under it.
type RecordTracer struct {
	tracer trace.Tracer
	prop   propagation.TextMapPropagator
	group  attribute.KeyValue
	on     bool
	// presample draws a record without a parent against ratio before
	// starting a span, so an unsampled record costs no span at all (the
	// providers Setup builds; hand-built providers leave every decision to
	// their sampler).
	presample bool
	ratio     float64
}

// NewRecordTracer returns the tracer of records consumed by group.
func NewRecordTracer(p *Providers, group string) *RecordTracer {
	_, noop := p.TracerProvider.(tracenoop.TracerProvider)
	return &RecordTracer{
		tracer: p.TracerProvider.Tracer(Scope),
		prop:   p.Propagator,
		group:  semconv.MessagingConsumerGroupName(group),
		on:     !noop,

		presample: p.presample,
		ratio:     p.SampleRatio,
	}
}

// On reports whether tracing is on at all. When it is off, callers skip
// Receive, and a record costs nothing more.
func (t *RecordTracer) On() bool { return t.on }

// Receive starts rec's receive span and, when the record is sampled, sets
// rec.Trace to its span context. The span's parent is the traceparent the
// record carries, if any (its sampled flag then decides).
func (t *RecordTracer) Receive(ctx context.Context, rec *model.Record) (context.Context, trace.Span) {
	if len(rec.Headers) > 0 {
		ctx = t.prop.Extract(ctx, headerCarrier(rec.Headers))
	}
	kind := trace.WithSpanKind(trace.SpanKindConsumer)
	var span trace.Span
	switch {
	case !t.presample || trace.SpanContextFromContext(ctx).IsValid():
		ctx, span = t.tracer.Start(ctx, SpanReceive, kind)
	case rand.Float64() >= t.ratio:
		return ctx, trace.SpanFromContext(ctx) // not sampled: a no-op span
	default:
		ctx, span = t.tracer.Start(ctx, SpanReceive, kind, trace.WithAttributes(attrSampledByRatio))
	}
	if span.IsRecording() {
		span.SetAttributes(
			semconv.MessagingSystemKafka,
			semconv.MessagingOperationTypeProcess,
			semconv.MessagingDestinationName(rec.Topic),
			semconv.MessagingDestinationPartitionID(strconv.Itoa(int(rec.Partition))),
			semconv.MessagingKafkaOffset(int(rec.Offset)),
			semconv.MessagingMessageBodySize(len(rec.Value)),
			t.group,
		)
		if rec.Value == nil {
			span.SetAttributes(semconv.MessagingKafkaMessageTombstone(true))
		}
		rec.Trace = span.SpanContext()
	}
	return ctx, span
}

// Start starts a stage's span under the record's span in ctx. When that
// span is not recording (the record is not sampled, or tracing is off) it
// returns ctx and that span: nothing is allocated, and ending it is a no-op.
func (t *RecordTracer) Start(ctx context.Context, name string) (context.Context, trace.Span) {
	parent := trace.SpanFromContext(ctx)
	if !parent.IsRecording() {
		return ctx, parent
	}
	return t.tracer.Start(ctx, name)
}

// End ends span, recording err as its status.
func End(span trace.Span, err error) {
	if err != nil && span.IsRecording() {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// attrSampledByRatio marks a record span the record tracer drew against the
// ratio: Sampler records it without drawing again.
var attrSampledByRatio = attribute.Bool("sluice.sampled_by_ratio", true)

// headerCarrier reads propagation fields from Kafka record headers. Header
// keys are matched exactly first, then without regard to case.
type headerCarrier []model.Header

func (h headerCarrier) Get(key string) string {
	for _, hd := range h {
		if hd.Key == key {
			return string(hd.Value)
		}
	}
	for _, hd := range h {
		if strings.EqualFold(hd.Key, key) {
			return string(hd.Value)
		}
	}
	return ""
}

func (headerCarrier) Set(string, string) {} // records are never written

func (h headerCarrier) Keys() []string {
	keys := make([]string, len(h))
	for i, hd := range h {
		keys[i] = hd.Key
	}
	return keys
}
