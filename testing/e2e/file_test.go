package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sluicehq/sluice/telemetry"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
)

// TestFileExactlyOnce archives a topic to a local directory while records
// keep arriving, stops, produces more, restarts, and checks every offset is
// stored exactly once and Kafka's committed offsets match the bucket.
func TestFileExactlyOnce(t *testing.T) {
	const topic, parts = "events", 4
	kc := kafkatest.Start(t, parts, topic)
	dir := t.TempDir()
	url := "file://" + dir
	cfg := testConfig(t, kc.Brokers(), url, topic)
	st := openStore(t, url, cfg.Destination.S3)

	base := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	kc.ProduceJSON(t, topic, parts, 3000, base)
	r := start(t, cfg, pipelineSettings())
	archivetest.WaitDurable(t, st, topic, kc.EndOffsets(t, topic), 60*time.Second)
	kc.ProduceJSON(t, topic, parts, 1000, base.Add(2*time.Hour))
	require.NoError(t, r.stop(t))

	// A clean restart picks up exactly where the bucket says.
	kc.ProduceJSON(t, topic, parts, 2000, base.Add(5*time.Hour))
	end := kc.EndOffsets(t, topic)
	spans := tracetest.NewSpanRecorder()
	set := pipelineSettings()
	set.Telemetry = (&telemetry.Providers{
		TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)),
	}).Complete()
	r = start(t, cfg, set)
	archivetest.WaitDurable(t, st, topic, end, 60*time.Second)
	requireKafkaCommitted(t, kc, st, cfg.Kafka.Group, topic, end)
	require.NoError(t, r.stop(t))

	// Every committed round ran in an upload span and a commit span.
	byName := map[string]int{}
	for _, s := range spans.Ended() {
		byName[s.Name()]++
	}
	committed := r.p.Stats().RoundsCommitted
	require.Positive(t, committed)
	require.GreaterOrEqual(t, int64(byName[telemetry.SpanUpload]), committed)
	require.GreaterOrEqual(t, int64(byName[telemetry.SpanCommit]), committed)

	rows := archivetest.ReadAll(t, st)
	archivetest.RequireExactlyOnce(t, rows, topic, end)
	for _, row := range rows {
		require.Regexp(t, `^events/dt=2026-11-22/hr=\d\d/events\+\d\+\d{20}\.parquet$`, row.Key)
	}
}
