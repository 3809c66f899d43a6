package telemetry

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/sluicehq/sluice/model"
)

// RoundTracer traces rounds: a seal span starts each round's trace, with
// the upload (a put span per file under it) and commit spans as its
// descendants, carried between handlers in Watermill metadata (W3C
// traceparent). Seal and upload link to the round's traced records; once
// the round is committed, each traced record's trace gets an archived span
// naming the object that holds it, linked to the commit span.
type RoundTracer struct {
	tracer trace.Tracer
	prop   propagation.TextMapPropagator
	base   string
}

// NewRoundTracer returns the tracer of rounds stored under base, the
// destination's URL ("s3://bucket/prefix", "file:///dir").
func NewRoundTracer(p *Providers, base string) *RoundTracer {
	return &RoundTracer{tracer: p.TracerProvider.Tracer(Scope), prop: p.Propagator, base: strings.TrimSuffix(base, "/")}
}

// Tracer returns the tracer spans of rounds are made with.
func (t *RoundTracer) Tracer() trace.Tracer { return t.tracer }

// Seal starts the round's trace: a root span linked to its traced records,
// whose context msg (the round on its way to upload) carries in its
// metadata. The caller ends the span once the round is handed over.
func (t *RoundTracer) Seal(ctx context.Context, r *model.Round, msg *message.Message) trace.Span {
	ctx, span := t.tracer.Start(ctx, SpanSeal, trace.WithNewRoot(),
		trace.WithLinks(links(r)...), trace.WithAttributes(roundAttributes(r)...))
	if span.IsRecording() {
		span.SetAttributes(AttrLinksDropped.Int(r.LinksDropped))
		t.prop.Inject(ctx, propagation.MapCarrier(msg.Metadata))
	}
	return span
}

// Middleware returns a Watermill handler middleware that runs each handled
// round in a span named name, a child of the span its metadata carries,
// and passes the span on in the metadata of the messages the handler
// produces. Upload spans link to the round's traced records; after a
// successful commit, archived spans are added to their traces.
func (t *RoundTracer) Middleware(name string) message.HandlerMiddleware {
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			rp, isRound := model.RoundFrom(msg.Context())
			var r model.Round
			if isRound {
				r = *rp
			}
			ctx := t.prop.Extract(msg.Context(), propagation.MapCarrier(msg.Metadata))
			opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindConsumer)}
			if isRound {
				opts = append(opts, trace.WithAttributes(roundAttributes(&r)...))
				if name == SpanUpload {
					opts = append(opts, trace.WithLinks(links(&r)...),
						trace.WithAttributes(AttrLinksDropped.Int(r.LinksDropped)))
				}
			}
			ctx, span := t.tracer.Start(ctx, name, opts...)
			msg.SetContext(ctx)
			out, err := h(msg)
			if err == nil && span.IsRecording() {
				for _, o := range out {
					t.prop.Inject(ctx, propagation.MapCarrier(o.Metadata))
				}
				if isRound && name == SpanCommit {
					span.SetAttributes(AttrCommitNext.Int64(r.End + 1))
				}
			}
			if err == nil && isRound && name == SpanCommit {
				t.archived(span, &r)
			}
			End(span, err)
			return out, err
		}
	}
}

// StartPut starts the span of storing one file of a round.
func (t *RoundTracer) StartPut(ctx context.Context, key string) (context.Context, trace.Span) {
	return t.tracer.Start(ctx, SpanPut, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(t.ObjectAttributes(key)...))
}

// archived adds a span to the trace of each of the round's traced records,
// naming the object that holds it and linked to the commit span.
func (t *RoundTracer) archived(commit trace.Span, r *model.Round) {
	link := trace.Link{SpanContext: commit.SpanContext()}
	for _, l := range r.Links {
		sc := l.SpanContext()
		if !sc.IsValid() {
			continue
		}
		ctx := trace.ContextWithRemoteSpanContext(context.Background(), sc)
		attrs := append(t.ObjectAttributes(l.Key),
			semconv.MessagingSystemKafka,
			semconv.MessagingDestinationName(r.Topic),
			semconv.MessagingDestinationPartitionID(strconv.Itoa(int(r.Partition))),
			semconv.MessagingKafkaOffset(int(l.Offset)),
			AttrRoundStart.Int64(r.Start), AttrRoundEnd.Int64(r.End))
		_, span := t.tracer.Start(ctx, SpanArchived, trace.WithLinks(link), trace.WithAttributes(attrs...))
		span.End()
	}
}

// ObjectAttributes describes the object at key (relative to the
// destination): its URL and, on S3, the semantic-convention bucket and key.
func (t *RoundTracer) ObjectAttributes(key string) []attribute.KeyValue {
	full := t.base + "/" + key
	attrs := []attribute.KeyValue{AttrFileKey.String(key), AttrObjectURL.String(full)}
	if u, err := url.Parse(full); err == nil && u.Scheme == "s3" {
		attrs = append(attrs, semconv.AWSS3Bucket(u.Host), semconv.AWSS3Key(strings.TrimPrefix(u.Path, "/")))
	}
	return attrs
}

// links turns the round's record links into span links.
func links(r *model.Round) []trace.Link {
	out := make([]trace.Link, 0, len(r.Links))
	for _, l := range r.Links {
		if sc := l.SpanContext(); sc.IsValid() {
			out = append(out, trace.Link{SpanContext: sc, Attributes: []attribute.KeyValue{
				semconv.MessagingKafkaOffset(int(l.Offset))}})
		}
	}
	return out
}

// roundAttributes describes a round.
func roundAttributes(r *model.Round) []attribute.KeyValue {
	return []attribute.KeyValue{
		semconv.MessagingSystemKafka,
		semconv.MessagingDestinationName(r.Topic),
		semconv.MessagingDestinationPartitionID(strconv.Itoa(int(r.Partition))),
		AttrRoundStart.Int64(r.Start),
		AttrRoundEnd.Int64(r.End),
		AttrRoundRecords.Int64(r.Records),
		AttrRoundFiles.Int(len(r.Files)),
		AttrRoundTrigger.String(r.Trigger),
	}
}
