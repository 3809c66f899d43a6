package telemetry

import (
	"encoding/json"
	"strconv"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/sluicehq/sluice/stages"
)

// RoundSpans returns a Watermill handler middleware that runs each handled
// round (a message carrying a JSON stages.Round) in a span named name, with
// the round's identity as attributes, and records the handler's error. The
// span's context becomes the message's, so produced messages carry it on.
// tp nil means the global TracerProvider.
func RoundSpans(name string, tp trace.TracerProvider) message.HandlerMiddleware {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	tracer := tp.Tracer(Scope)
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			ctx, span := tracer.Start(msg.Context(), name, trace.WithSpanKind(trace.SpanKindConsumer))
			defer span.End()
			if span.IsRecording() {
				span.SetAttributes(roundAttributes(msg.Payload)...)
			}
			msg.SetContext(ctx)
			out, err := h(msg)
			if err != nil {
				span.RecordError(err)
				span.SetStatus(codes.Error, err.Error())
			}
			return out, err
		}
	}
}

// roundAttributes describes the round in payload; nothing when it is not one.
func roundAttributes(payload []byte) []attribute.KeyValue {
	var r stages.Round
	if json.Unmarshal(payload, &r) != nil {
		return nil
	}
	return []attribute.KeyValue{
		AttrMessagingSystem.String("kafka"),
		AttrDestinationName.String(r.Topic),
		AttrDestinationPartition.String(strconv.Itoa(int(r.Partition))),
		AttrRoundStart.Int64(r.Start),
		AttrRoundEnd.Int64(r.End),
		AttrRoundRecords.Int64(r.Records),
		AttrRoundFiles.Int(len(r.Files)),
		AttrRoundTrigger.String(r.Trigger),
	}
}
