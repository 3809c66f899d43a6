package jaeger_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/sluicehq/sluice/testing/jaeger"
)

// newProvider returns a tracer provider for service that exports
// synchronously to exp, shut down with the test.
func newProvider(t *testing.T, service string, exp sdktrace.SpanExporter) *sdktrace.TracerProvider {
	t.Helper()
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSyncer(exp),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", service))),
	)
	t.Cleanup(func() { require.NoError(t, tp.Shutdown(context.WithoutCancel(t.Context()))) })
	return tp
}

func TestSpansRoundTrip(t *testing.T) {
	j := jaeger.Start(t)
	tests := []struct {
		name     string
		exporter func(t *testing.T) sdktrace.SpanExporter
	}{
		{"otlp grpc", func(t *testing.T) sdktrace.SpanExporter {
			exp, err := otlptracegrpc.New(t.Context(),
				otlptracegrpc.WithEndpoint(j.OTLPEndpoint()), otlptracegrpc.WithInsecure())
			require.NoError(t, err)
			return exp
		}},
		{"otlp http", func(t *testing.T) sdktrace.SpanExporter {
			exp, err := otlptracehttp.New(t.Context(),
				otlptracehttp.WithEndpoint(j.OTLPHTTPEndpoint()), otlptracehttp.WithInsecure())
			require.NoError(t, err)
			return exp
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			service := "harness-" + filepath.Base(t.Name())
			tracer := newProvider(t, service, tt.exporter(t)).Tracer("jaeger_test")

			// A message's trace: receive (root) with a child upload span.
			ctx, receive := tracer.Start(t.Context(), "receive", trace.WithSpanKind(trace.SpanKindConsumer))
			_, upload := tracer.Start(ctx, "upload", trace.WithAttributes(
				attribute.String("aws.s3.key", "t/dt=2026-01-01/t+0+00000000000000000042.parquet"),
				attribute.Int64("messaging.kafka.offset", 42),
				attribute.Bool("retried", true),
				attribute.Float64("ratio", 0.5),
				attribute.StringSlice("parts", []string{"a", "b"}),
			))
			upload.AddEvent("conflict", trace.WithAttributes(attribute.Int("attempt", 2)))
			upload.SetStatus(codes.Error, "precondition failed")
			upload.End()
			receive.End()
			// A commit span in its own trace, linked to the message.
			_, commit := tracer.Start(t.Context(), "commit", trace.WithLinks(trace.Link{
				SpanContext: receive.SpanContext(),
				Attributes:  []attribute.KeyValue{attribute.String("link.kind", "record")},
			}))
			commit.End()

			msgID := receive.SpanContext().TraceID()
			tr, err := j.WaitTrace(t.Context(), msgID, func(tr *jaeger.Trace) bool { return len(tr.Spans) == 2 })
			require.NoError(t, err)
			root, ok := tr.Root()
			require.True(t, ok)
			assert.Equal(t, "receive", root.Name)
			assert.Equal(t, receive.SpanContext().SpanID(), root.SpanID)
			assert.Equal(t, trace.SpanKindConsumer, root.Kind)
			assert.Equal(t, service, root.Service)
			assert.Equal(t, "jaeger_test", root.Scope)

			kids := tr.Children(root.SpanID)
			require.Len(t, kids, 1)
			up := kids[0]
			assert.Equal(t, "upload", up.Name)
			assert.Equal(t, msgID, up.TraceID)
			assert.Equal(t, upload.SpanContext().SpanID(), up.SpanID)
			assert.Equal(t, trace.SpanKindInternal, up.Kind)
			assert.Equal(t, jaeger.Attributes{
				"aws.s3.key":             "t/dt=2026-01-01/t+0+00000000000000000042.parquet",
				"messaging.kafka.offset": int64(42),
				"retried":                true,
				"ratio":                  0.5,
				"parts":                  []any{"a", "b"},
			}, up.Attributes)
			assert.Equal(t, codes.Error, up.Status)
			assert.Equal(t, "precondition failed", up.StatusMessage)
			require.Len(t, up.Events, 1)
			assert.Equal(t, "conflict", up.Events[0].Name)
			assert.Equal(t, jaeger.Attributes{"attempt": int64(2)}, up.Events[0].Attributes)
			assert.False(t, up.Start.After(up.End))
			assert.Equal(t, []jaeger.Span{up}, tr.Named("upload"))

			commitTrace, err := j.WaitTrace(t.Context(), commit.SpanContext().TraceID(), nil)
			require.NoError(t, err)
			require.Len(t, commitTrace.Spans, 1)
			c := commitTrace.Spans[0]
			assert.Equal(t, "commit", c.Name)
			assert.True(t, c.LinksTo(msgID, root.SpanID))
			require.Len(t, c.Links, 1)
			assert.Equal(t, jaeger.Attributes{"link.kind": "record"}, c.Links[0].Attributes)

			traces, err := j.WaitTraces(t.Context(), jaeger.Query{Service: service},
				func(trs []*jaeger.Trace) bool { return len(trs) == 2 })
			require.NoError(t, err)
			ids := []trace.TraceID{traces[0].ID, traces[1].ID}
			assert.ElementsMatch(t, []trace.TraceID{msgID, commit.SpanContext().TraceID()}, ids)

			only, err := j.Traces(t.Context(), jaeger.Query{Service: service, Operation: "commit"})
			require.NoError(t, err)
			require.Len(t, only, 1)
			assert.Equal(t, commit.SpanContext().TraceID(), only[0].ID)

			services, err := j.Services(t.Context())
			require.NoError(t, err)
			assert.Contains(t, services, service)
		})
	}
}

func TestMissingTraces(t *testing.T) {
	j := jaeger.Start(t)
	_, err := j.Trace(t.Context(), trace.TraceID{1, 2, 3})
	require.ErrorIs(t, err, jaeger.ErrNotFound)

	traces, err := j.Traces(t.Context(), jaeger.Query{Service: "nobody"})
	require.NoError(t, err)
	assert.Empty(t, traces)

	_, err = j.Traces(t.Context(), jaeger.Query{})
	require.Error(t, err)

	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, err = j.WaitTrace(ctx, trace.TraceID{1}, nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, jaeger.ErrNotFound)
}

func TestInstancesAreIndependent(t *testing.T) {
	a, b := jaeger.Start(t), jaeger.Start(t)
	assert.NotEqual(t, a.OTLPEndpoint(), b.OTLPEndpoint())
	assert.NotEqual(t, a.QueryURL(), b.QueryURL())

	exp, err := otlptracegrpc.New(t.Context(), otlptracegrpc.WithEndpoint(a.OTLPEndpoint()), otlptracegrpc.WithInsecure())
	require.NoError(t, err)
	_, span := newProvider(t, "only-in-a", exp).Tracer("jaeger_test").Start(t.Context(), "s")
	span.End()
	_, err = a.WaitTrace(t.Context(), span.SpanContext().TraceID(), nil)
	require.NoError(t, err)
	_, err = b.Trace(t.Context(), span.SpanContext().TraceID())
	require.ErrorIs(t, err, jaeger.ErrNotFound)
}

func TestBinaryHonoursEnv(t *testing.T) {
	t.Setenv(jaeger.EnvBinary, filepath.Join(t.TempDir(), "no-such-jaeger"))
	_, err := jaeger.Binary()
	require.ErrorContains(t, err, jaeger.EnvBinary)
}
