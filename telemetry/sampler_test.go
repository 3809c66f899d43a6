package telemetry

import (
	"testing"

	"github.com/stretchr/testify/assert"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func TestSampler(t *testing.T) {
	sampled := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1},
		TraceFlags: trace.FlagsSampled})
	unsampled := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{2}, SpanID: trace.SpanID{2}})
	tests := []struct {
		name   string
		ratio  float64
		parent trace.SpanContext
		links  []trace.SpanContext
		want   bool
	}{
		{name: "root, ratio 0", ratio: 0},
		{name: "root, ratio 1", ratio: 1, want: true},
		{name: "root linking a sampled record", ratio: 0, links: []trace.SpanContext{unsampled, sampled}, want: true},
		{name: "root linking only unsampled spans", ratio: 0, links: []trace.SpanContext{unsampled}},
		{name: "a sampled parent decides", ratio: 0, parent: sampled, want: true},
		{name: "an unsampled parent decides, links or not", ratio: 1, parent: unsampled, links: []trace.SpanContext{sampled}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(Sampler(tt.ratio)), sdktrace.WithSpanProcessor(rec))
			ctx := t.Context()
			if tt.parent.IsValid() {
				ctx = trace.ContextWithRemoteSpanContext(ctx, tt.parent)
			}
			var links []trace.Link
			for _, l := range tt.links {
				links = append(links, trace.Link{SpanContext: l})
			}
			_, span := tp.Tracer("t").Start(ctx, "s", trace.WithLinks(links...))
			span.End()
			assert.Equal(t, tt.want, span.SpanContext().IsSampled())
		})
	}
}
