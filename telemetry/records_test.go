package telemetry

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sluicehq/sluice/model"
)

func TestRecordTracer(t *testing.T) {
	const parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	unsampledParent := "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"
	tests := []struct {
		name    string
		ratio   float64
		headers []model.Header
		sampled bool
		trace   string // the trace joined, when sampled by a parent
	}{
		{name: "ratio 1, no parent", ratio: 1, sampled: true},
		{name: "ratio 0, no parent", ratio: 0},
		{name: "sampled traceparent wins over ratio 0", ratio: 0,
			headers: []model.Header{{Key: "traceparent", Value: []byte(parent)}}, sampled: true,
			trace: "0af7651916cd43dd8448eb211c80319c"},
		{name: "header keys are matched without case", ratio: 0,
			headers: []model.Header{{Key: "x", Value: nil}, {Key: "TraceParent", Value: []byte(parent)}}, sampled: true,
			trace: "0af7651916cd43dd8448eb211c80319c"},
		{name: "unsampled traceparent wins over ratio 1", ratio: 1,
			headers: []model.Header{{Key: "traceparent", Value: []byte(unsampledParent)}}},
		{name: "garbage traceparent is ignored", ratio: 1,
			headers: []model.Header{{Key: "traceparent", Value: []byte("nope")}}, sampled: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec),
				sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(tt.ratio))))
			rt := NewRecordTracer((&Providers{TracerProvider: tp}).Complete(), "sluice")
			require.True(t, rt.On())
			r := model.Record{Topic: "events", Partition: 2, Offset: 41, Value: []byte("{}"), Headers: tt.headers}
			ctx, span := rt.Receive(t.Context(), &r)
			_, child := rt.Start(ctx, SpanParse)
			child.End()
			span.End()

			assert.Equal(t, tt.sampled, r.Trace.IsValid(), "rec.Trace is set exactly when sampled")
			spans := rec.Ended()
			if !tt.sampled {
				assert.Empty(t, spans)
				assert.Equal(t, trace.SpanFromContext(ctx), child, "an unsampled record gets no child span")
				return
			}
			require.Len(t, spans, 2)
			assert.Equal(t, SpanParse, spans[0].Name())
			assert.Equal(t, spans[1].SpanContext().SpanID(), spans[0].Parent().SpanID())
			assert.Equal(t, SpanReceive, spans[1].Name())
			assert.Equal(t, trace.SpanKindConsumer, spans[1].SpanKind())
			assert.Equal(t, int64(41), attr(spans[1], "messaging.kafka.offset").AsInt64())
			assert.Equal(t, "2", attr(spans[1], "messaging.destination.partition.id").AsString())
			assert.Equal(t, "sluice", attr(spans[1], "messaging.consumer.group.name").AsString())
			if tt.trace != "" {
				assert.Equal(t, tt.trace, spans[1].SpanContext().TraceID().String(), "joins the producer's trace")
			}
		})
	}
}

func TestRecordTracerOff(t *testing.T) {
	rt := NewRecordTracer(Noop(), "sluice")
	assert.False(t, rt.On())
	ctx, span := rt.Start(t.Context(), SpanParse)
	assert.Equal(t, t.Context(), ctx)
	assert.False(t, span.IsRecording())
}

// TestRecordTracerPresample: with the providers Setup builds, a record
// without a traceparent is drawn against the ratio before any span starts.
func TestRecordTracerPresample(t *testing.T) {
	for _, ratio := range []float64{0, 1} {
		rec := tracetest.NewSpanRecorder()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(Sampler(ratio)), sdktrace.WithSpanProcessor(rec))
		rt := NewRecordTracer((&Providers{TracerProvider: tp, SampleRatio: ratio, presample: true}).Complete(), "g")
		const n = 50
		for i := range n {
			r := model.Record{Topic: "t", Offset: int64(i)}
			_, span := rt.Receive(t.Context(), &r)
			span.End()
		}
		if ratio == 0 {
			assert.Empty(t, rec.Ended())
			continue
		}
		require.Len(t, rec.Ended(), n)
		assert.True(t, attr(rec.Ended()[0], "sluice.sampled_by_ratio").AsBool())
	}
}
