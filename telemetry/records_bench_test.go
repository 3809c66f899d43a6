package telemetry

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sluicehq/sluice/model"
)

// BenchmarkRecordTracing measures what tracing adds to each record on the
// ingest path: the calls pipeline.ingest makes around parse, partition and
// buffer, with tracing off, at the default ratio, and with every record
// traced (spans go to a batcher with a discarding exporter, as they would to
// a collector). Compare with the pipeline's whole cost per record.
func BenchmarkRecordTracing(b *testing.B) {
	cases := []struct {
		name  string
		ratio float64
		off   bool
	}{
		{name: "off", off: true},
		{name: "ratio=0.001", ratio: defaultSampleRatio},
		{name: "ratio=1", ratio: 1},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			p := Noop()
			if !c.off {
				tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(Sampler(c.ratio)),
					sdktrace.WithBatcher(tracetest.NewNoopExporter()))
				b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
				p = (&Providers{TracerProvider: tp, SampleRatio: c.ratio, presample: true}).Complete()
			}
			rt := NewRecordTracer(p, "sluice")
			rec := model.Record{Topic: "events", Partition: 3, Offset: 1, Value: make([]byte, 300)}
			b.ReportAllocs()
			for b.Loop() {
				ingest(rt, &rec)
			}
		})
	}
}

// ingest makes the tracing calls pipeline.ingest makes for one record.
func ingest(rt *RecordTracer, rec *model.Record) {
	ctx := context.Background()
	if rt.On() {
		var span trace.Span
		ctx, span = rt.Receive(ctx, rec)
		defer End(span, nil)
	}
	_, s := rt.Start(ctx, SpanParse)
	s.End()
	_, s = rt.Start(ctx, SpanPartition)
	s.End()
	_, s = rt.Start(ctx, SpanBuffer)
	End(s, nil)
}
