package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/sluicehq/sluice/pipeline"
	"github.com/sluicehq/sluice/telemetry"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/jaeger"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/testing/minio"
	"github.com/sluicehq/sluice/transport/objstore"
)

// TestTracingInJaeger runs the pipeline with tracing on against a real
// Jaeger v2 and MinIO, then reads the traces back through Jaeger's query
// API: a record produced inside a producer's trace (W3C traceparent header)
// shows up in that trace from receive to archived, with the object that
// holds it, and the round's trace (seal, upload, put, the S3 client's
// spans, commit) links back to the record.
func TestTracingInJaeger(t *testing.T) {
	const topic = "orders"
	j := jaeger.Start(t)
	kc := kafkatest.Start(t, 2, topic)
	srv := minio.Start(t)
	srv.CreateBucket(t, "archive")
	url := "s3://archive/raw"
	cfg := testConfig(t, kc.Brokers(), url, topic)
	cfg.Destination.S3 = srv.S3Config()
	ratio := 0.0 // only records whose producer sampled them
	cfg.Telemetry = telemetry.Config{
		ServiceName: "sluice-e2e",
		Traces:      telemetry.Traces{SampleRatio: &ratio},
		Metrics:     telemetry.Metrics{Exporters: []string{telemetry.ExporterNone}}, // Jaeger takes no metrics
		OTLP:        telemetry.OTLP{Endpoint: "http://" + j.OTLPEndpoint()},
	}
	st := openStore(t, url, cfg.Destination.S3)

	// The producer's own trace, exported to the same Jaeger.
	exp, err := otlptracegrpc.New(t.Context(), otlptracegrpc.WithEndpoint(j.OTLPEndpoint()), otlptracegrpc.WithInsecure())
	require.NoError(t, err)
	producerTP := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp),
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName("producer"))))
	defer func() { require.NoError(t, producerTP.Shutdown(t.Context())) }()
	ctx, produce := producerTP.Tracer("test").Start(t.Context(), "produce order")
	carrier := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, carrier)
	base := time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)
	var recs []kafkatest.Record
	for i := range 40 {
		r := kafkatest.Record{Partition: int32(i % 2), Timestamp: base,
			Value: fmt.Appendf(nil, `{"id":%d,"ts":%d}`, i, base.UnixMilli())}
		if i == 17 {
			r.Headers = []kgo.RecordHeader{{Key: "traceparent", Value: []byte(carrier["traceparent"])}}
		}
		recs = append(recs, r)
	}
	kc.Produce(t, topic, recs...)
	produce.End()
	producerTrace := produce.SpanContext().TraceID()

	tel, err := telemetry.Setup(t.Context(), cfg.Telemetry, telemetry.Settings{})
	require.NoError(t, err)
	r := start(t, cfg, pipeline.Settings{Telemetry: tel})
	archivetest.WaitDurable(t, st, topic, kc.EndOffsets(t, topic), 60*time.Second)
	require.NoError(t, r.stop(t))
	require.NoError(t, tel.Shutdown(t.Context()), "flushes the spans")

	// The producer's trace: produce, then sluice's spans for record 17.
	tr, err := j.WaitTrace(t.Context(), producerTrace, func(tr *jaeger.Trace) bool {
		return len(tr.Named(telemetry.SpanArchived)) > 0
	})
	require.NoError(t, err)
	receive := one(t, tr, telemetry.SpanReceive)
	assert.Equal(t, produce.SpanContext().SpanID(), receive.ParentSpanID, "sluice joins the producer's trace")
	assert.Equal(t, "sluice-e2e", receive.Service)
	assert.Equal(t, trace.SpanKindConsumer, receive.Kind)
	assert.Equal(t, "kafka", receive.Attributes["messaging.system"])
	assert.Equal(t, topic, receive.Attributes["messaging.destination.name"])
	assert.Equal(t, "1", receive.Attributes["messaging.destination.partition.id"])
	assert.Equal(t, int64(8), receive.Attributes["messaging.kafka.offset"], "record 17 is the 9th of partition 1")
	for _, name := range []string{telemetry.SpanParse, telemetry.SpanPartition, telemetry.SpanBuffer} {
		assert.Equal(t, receive.SpanID, one(t, tr, name).ParentSpanID, name)
	}
	fileKey := one(t, tr, telemetry.SpanBuffer).Attributes["sluice.file.key"]
	require.IsType(t, "", fileKey)
	archived := one(t, tr, telemetry.SpanArchived)
	assert.Equal(t, receive.SpanID, archived.ParentSpanID)
	assert.Equal(t, "archive", archived.Attributes["aws.s3.bucket"])
	key := archived.Attributes["aws.s3.key"]
	assert.Equal(t, "raw/"+fileKey.(string), key, "the object named at buffering is the one archived")
	requireObject(t, st, fileKey.(string))
	require.Len(t, archived.Links, 1, "archived links to the round's commit")

	// The round's trace, reached through that link.
	roundTrace, err := j.WaitTrace(t.Context(), archived.Links[0].TraceID, func(tr *jaeger.Trace) bool {
		return len(tr.Named(telemetry.SpanCommit)) > 0
	})
	require.NoError(t, err)
	seal, upload, commit := one(t, roundTrace, telemetry.SpanSeal), one(t, roundTrace, telemetry.SpanUpload), one(t, roundTrace, telemetry.SpanCommit)
	assert.Equal(t, archived.Links[0].SpanID, commit.SpanID)
	assert.Equal(t, seal.SpanID, upload.ParentSpanID)
	assert.Equal(t, upload.SpanID, commit.ParentSpanID)
	assert.True(t, upload.LinksTo(producerTrace, receive.SpanID), "the upload links to the record")
	assert.True(t, seal.LinksTo(producerTrace, receive.SpanID), "the seal links to the record")
	var put jaeger.Span
	for _, p := range roundTrace.Named(telemetry.SpanPut) {
		if p.Attributes["aws.s3.key"] == key {
			put = p
		}
	}
	require.Equal(t, upload.SpanID, put.ParentSpanID, "a put span for the record's object")
	s3 := roundTrace.Children(put.SpanID)
	require.NotEmpty(t, s3, "the S3 client's spans are under the put")
	assert.Equal(t, "S3.PutObject", s3[0].Name)
	assert.Equal(t, key, s3[0].Attributes["aws.s3.key"])
	assert.Equal(t, int64(1), s3[0].Attributes["sluice.s3.attempts"])
	assert.NotEmpty(t, s3[0].Attributes["aws.request_id"], "MinIO's request id")

	// With ratio 0 no other record was traced.
	traces, err := j.Traces(t.Context(), jaeger.Query{Service: "sluice-e2e", Operation: telemetry.SpanReceive,
		Start: time.Now().Add(-time.Hour), End: time.Now().Add(time.Minute)})
	require.NoError(t, err)
	assert.Len(t, traces, 1, "only the record the producer sampled")
}

// one returns the trace's only span named name.
func one(t *testing.T, tr *jaeger.Trace, name string) jaeger.Span {
	t.Helper()
	spans := tr.Named(name)
	require.Len(t, spans, 1, "spans named %s in trace %s", name, tr.ID)
	return spans[0]
}

func requireObject(t *testing.T, st objstore.Store, key string) {
	t.Helper()
	found := false
	require.NoError(t, st.List(t.Context(), key, func(o objstore.Object) error {
		found = found || o.Key == key
		return nil
	}))
	require.True(t, found, "object %s is in the bucket", key)
	require.False(t, strings.HasPrefix(key, "/"))
}
