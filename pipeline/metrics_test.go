package pipeline_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/sluicehq/sluice/app/lag"
	"github.com/sluicehq/sluice/pipeline"
	"github.com/sluicehq/sluice/stages/buffer"
	"github.com/sluicehq/sluice/telemetry"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/testing/otlpmetrics"
	"github.com/sluicehq/sluice/transport/kafka"
	"github.com/sluicehq/sluice/transport/objstore"
)

// produce writes n records to partition part: JSON events one second apart
// from base (Kafka timestamp = event time), every tenth from bad on not
// JSON. It returns their payload bytes.
func produce(t *testing.T, kc *kafkatest.Cluster, topic string, part int32, n, bad int, base time.Time) int64 {
	t.Helper()
	recs := make([]kafkatest.Record, n)
	var size int64
	for i := range recs {
		ts := base.Add(time.Duration(i) * time.Second)
		value := fmt.Appendf(nil, `{"id":%d,"ts":%d}`, i, ts.UnixMilli())
		if i >= bad && i%10 == 0 {
			value = []byte("not json " + strings.Repeat("x", i%7))
		}
		recs[i] = kafkatest.Record{Partition: part, Key: fmt.Appendf(nil, "k%d", i), Value: value, Timestamp: ts}
		size += int64(len(recs[i].Key) + len(value))
	}
	kc.Produce(t, topic, recs...)
	return size
}

// TestMetricsMatchWhatThePipelineDid archives three partitions to a local
// directory and checks the metrics against Kafka and the bucket.
// (TestMetricsOverOTLP sends them to a real OTLP receiver.)
func TestMetricsMatchWhatThePipelineDid(t *testing.T) {
	const topic = "events"
	kc := kafkatest.Start(t, 3, topic)
	dir := t.TempDir()
	cfg := testConfig(t, kc.Brokers(), "file://"+dir, topic)
	base := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	// 1000, 900 and 800 records: one round sealed by count (700) and one
	// by idle time per partition; of the last 300 of each, every tenth is
	// not JSON.
	counts := map[int32]int{0: 1000, 1: 900, 2: 800}
	sizes := map[int32]int64{}
	for p, n := range counts {
		sizes[p] = produce(t, kc, topic, p, n, n-300, base)
	}
	tel, reader := metered()
	p, stop := runPipeline(t, cfg, pipeline.Settings{Logger: testLogger(t), Telemetry: tel})

	end := kc.EndOffsets(t, topic)
	s := waitFor(t, reader, 60*time.Second, "every partition caught up", func(s snapshot) bool {
		for part, e := range end {
			lag, ok := s.int(telemetry.MetricLagRecords.Name, topicAttr(topic), partAttr(part))
			if !ok || lag != 0 || s.n(telemetry.MetricOffsetDurable.Name, partAttr(part)) != e {
				return false
			}
		}
		return s.n(telemetry.MetricBufferSpillBytes.Name) == 0
	})

	var files, bytes int64
	st, err := objstore.Open(t.Context(), "file://"+dir, objstore.S3Config{}, objstore.Settings{})
	require.NoError(t, err)
	require.NoError(t, st.List(t.Context(), topic+"/", func(o objstore.Object) error {
		files++
		bytes += o.Size
		return nil
	}))
	require.Positive(t, files)

	for part, n := range counts {
		at := partAttr(part)
		assert.EqualValues(t, n, s.n(telemetry.MetricRecordsConsumed.Name, at), "consumed, partition %d", part)
		assert.Equal(t, sizes[part], s.n(telemetry.MetricBytesConsumed.Name, at), "bytes consumed, partition %d", part)
		assert.EqualValues(t, n, s.n(telemetry.MetricRecordsCommitted.Name, at), "committed, partition %d", part)
		assert.Equal(t, end[part], s.n(telemetry.MetricOffsetHigh.Name, at))
		assert.Equal(t, end[part], s.n(telemetry.MetricOffsetDurable.Name, at))
		lagSec, ok := s.float(telemetry.MetricLagSeconds.Name, at)
		assert.True(t, ok)
		assert.Zero(t, lagSec)
		assert.Zero(t, s.n(telemetry.MetricBufferRecords.Name, at))
	}
	assert.Positive(t, s.n(telemetry.MetricBufferDiskLimit.Name), "the disk bound derived from the free space")
	tp := topicAttr(topic)
	assert.EqualValues(t, 2700-90, s.n(telemetry.MetricRecordsParsed.Name, tp))
	assert.EqualValues(t, 90, s.n(telemetry.MetricRecordsRejected.Name, tp, telemetry.AttrReason.String("malformed")))
	assert.EqualValues(t, 90, s.n(telemetry.MetricRecordsRejected.Name, tp))
	assert.Zero(t, s.n(telemetry.MetricRecordsSkipped.Name, tp))
	assert.Equal(t, files, s.n(telemetry.MetricFilesUploaded.Name, tp), "files uploaded = objects in the bucket")
	assert.Equal(t, bytes, s.n(telemetry.MetricUploadBytes.Name, tp), "bytes uploaded = bytes in the bucket")
	for _, trig := range buffer.Triggers {
		want := int64(0)
		if trig == buffer.TriggerCount || trig == buffer.TriggerIdle {
			want = 3
		}
		assert.Equal(t, want, s.n(telemetry.MetricRoundsSealed.Name, tp, telemetry.AttrTrigger.String(trig)), "rounds sealed by %s", trig)
	}
	assert.EqualValues(t, 6, s.n(telemetry.MetricCommits.Name, tp))
	assert.EqualValues(t, 6, s.histCount(telemetry.MetricUploadDuration.Name, tp), "one upload time per round")
	assert.Zero(t, s.n(telemetry.MetricCommitConflicts.Name, tp))
	assert.EqualValues(t, 3, s.n(telemetry.MetricPartitionsAssigned.Name, tp))
	assert.GreaterOrEqual(t, s.n(telemetry.MetricRebalances.Name), int64(1))
	assert.Zero(t, s.n(telemetry.MetricBufferBytes.Name))
	assert.Zero(t, s.n(telemetry.MetricBufferOpenFiles.Name))
	assert.Zero(t, s.n(telemetry.MetricS3Errors.Name))

	// The pipeline's own stats agree.
	stats := p.Stats()
	assert.EqualValues(t, 2700, stats.RecordsCommitted)
	require.NoError(t, stop())

	// After a graceful stop the partitions are revoked and the counters
	// keep their final values for a last export.
	s = collect(t, reader)
	assert.EqualValues(t, 3, s.n(telemetry.MetricPartitionsRevoked.Name, tp))
	assert.EqualValues(t, 2700, s.n(telemetry.MetricRecordsCommitted.Name, tp))
	_, ok := s.int(telemetry.MetricLagRecords.Name)
	assert.False(t, ok, "no lag is reported for partitions this process does not own")
}

// TestLagWhileBehind keeps part of a partition buffered (never sealed) and
// checks the lag in records and seconds, the same "sluice lag" reports for
// the same state, then lets it catch up.
func TestLagWhileBehind(t *testing.T) {
	const topic = "events"
	kc := kafkatest.Start(t, 1, topic)
	dest := "file://" + t.TempDir()
	cfg := testConfig(t, kc.Brokers(), dest, topic)
	cfg.Defaults.Policy.Idle = time.Hour
	// On an hour boundary, so the 300 buffered records (1500s..1799s) fall in
	// one hourly output partition: one open file.
	base := time.Now().Add(-time.Hour).Truncate(time.Hour)
	// 700 records from base on, then 300 from base+1500s: the newest
	// durable record and the oldest one not archived are 801s apart.
	produce(t, kc, topic, 0, 700, 700, base)
	produce(t, kc, topic, 0, 300, 300, base.Add(1500*time.Second))
	tel, reader := metered()
	runPipeline(t, cfg, pipeline.Settings{Logger: testLogger(t), Telemetry: tel})

	at := partAttr(0)
	lagged := func(want int64) func(snapshot) bool {
		return func(s snapshot) bool {
			n, ok := s.int(telemetry.MetricLagRecords.Name, at)
			return ok && n == want
		}
	}
	// One round of 700 is durable; 300 records wait in the buffer.
	s := waitFor(t, reader, 60*time.Second, "a lag of 300 records", lagged(300))
	oldest := base.Add(1500 * time.Second) // Kafka timestamp of the oldest record not archived
	sec, ok := s.float(telemetry.MetricLagSeconds.Name, at)
	require.True(t, ok)
	assert.InDelta(t, time.Since(oldest).Seconds(), sec, 5, "the age of the oldest record not archived")
	assert.Greater(t, sec, 2000.0, "at least an hour minus 1500s")
	requireLagAgrees(t, kc, cfg, dest, s)
	assert.EqualValues(t, 700, s.n(telemetry.MetricOffsetDurable.Name, at))
	assert.EqualValues(t, 1000, s.n(telemetry.MetricOffsetHigh.Name, at))
	assert.EqualValues(t, 300, s.n(telemetry.MetricBufferRecords.Name, at))
	assert.Positive(t, s.n(telemetry.MetricBufferSpillBytes.Name)+s.n(telemetry.MetricBufferBytes.Name))
	assert.EqualValues(t, 1, s.n(telemetry.MetricBufferOpenFiles.Name))

	// 400 more records fill the second round: caught up.
	produce(t, kc, topic, 0, 400, 400, base.Add(1000*time.Second))
	s = waitFor(t, reader, 60*time.Second, "no lag", lagged(0))
	sec, ok = s.float(telemetry.MetricLagSeconds.Name, at)
	require.True(t, ok)
	assert.Zero(t, sec)
	assert.EqualValues(t, 1400, s.n(telemetry.MetricOffsetDurable.Name, at))
	assert.Zero(t, s.n(telemetry.MetricBufferRecords.Name, at))
}

// TestMetricsOverOTLP exports the metrics with the OTLP exporter sluice run
// configures (telemetry.Setup) to a real OTLP receiver, and checks what it
// received against Kafka and the bucket.
func TestMetricsOverOTLP(t *testing.T) {
	const topic = "events"
	kc := kafkatest.Start(t, 2, topic)
	recv := otlpmetrics.Start(t)
	dir := t.TempDir()
	cfg := testConfig(t, kc.Brokers(), "file://"+dir, topic)
	cfg.Telemetry = telemetry.Config{
		ServiceName: "sluice-metrics-test",
		Traces:      telemetry.Traces{Exporter: telemetry.ExporterNone},
		Metrics: telemetry.Metrics{Exporters: []string{telemetry.ExporterOTLP},
			Interval: 200 * time.Millisecond, LagInterval: 100 * time.Millisecond},
		OTLP: telemetry.OTLP{Endpoint: "http://" + recv.GRPCEndpoint()},
	}
	base := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	produce(t, kc, topic, 0, 900, 900, base)
	produce(t, kc, topic, 1, 400, 400, base)
	tel, err := telemetry.Setup(t.Context(), cfg.Telemetry, telemetry.Settings{})
	require.NoError(t, err)
	_, stop := runPipeline(t, cfg, pipeline.Settings{Logger: testLogger(t), Telemetry: tel})
	st, err := objstore.Open(t.Context(), "file://"+dir, objstore.S3Config{}, objstore.Settings{})
	require.NoError(t, err)
	archivetest.WaitDurable(t, st, topic, kc.EndOffsets(t, topic), 60*time.Second)
	_, err = recv.WaitLatest(t.Context(), telemetry.MetricLagRecords.Name,
		func(p otlpmetrics.Point) bool { return p.Value == 0 }, topicAttr(topic), partAttr(0))
	require.NoError(t, err, "lag reaches 0 over OTLP")
	require.NoError(t, stop())
	require.NoError(t, tel.Shutdown(t.Context()), "the last export carries the final counts")

	var files int64
	require.NoError(t, st.List(t.Context(), topic+"/", func(objstore.Object) error { files++; return nil }))
	for part, n := range map[int32]float64{0: 900, 1: 400} {
		got, ok := recv.Latest(telemetry.MetricRecordsConsumed.Name, topicAttr(topic), partAttr(part))
		require.True(t, ok, "records consumed of partition %d received", part)
		assert.Equal(t, n, got.Value, "records consumed = records produced, partition %d", part)
		assert.Equal(t, "sluice-metrics-test", got.Resource["service.name"])
	}
	up, ok := recv.Latest(telemetry.MetricFilesUploaded.Name, topicAttr(topic))
	require.True(t, ok)
	assert.Equal(t, float64(files), up.Value, "files uploaded = objects in the bucket")
	dur, ok := recv.Latest(telemetry.MetricUploadDuration.Name, topicAttr(topic))
	require.True(t, ok)
	assert.Positive(t, dur.Count, "upload latency histogram")
}

// requireLagAgrees measures the topic as "sluice lag --otlp" does and checks
// its gauges equal the pipeline's in s: the same lag in records and offsets,
// the same lag in seconds up to the time between the two measurements.
func requireLagAgrees(t *testing.T, kc *kafkatest.Cluster, cfg pipeline.Config, dest string, s snapshot) {
	t.Helper()
	st, err := objstore.Open(t.Context(), dest, cfg.Destination.S3, objstore.Settings{})
	require.NoError(t, err)
	in, err := kafka.NewInspector(cfg.Kafka)
	require.NoError(t, err)
	defer in.Close()
	reader := sdkmetric.NewManualReader()
	mon, err := lag.New(lag.Config{Group: cfg.Kafka.Group}, lag.Settings{Store: st, Broker: in,
		Meter: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)).Meter(telemetry.Scope)})
	require.NoError(t, err)
	defer mon.Close()
	measuredAt := time.Now()
	_, err = mon.Measure(t.Context(), cfg.Kafka.Topics)
	require.NoError(t, err)
	ls := collect(t, reader)
	for part := range kc.EndOffsets(t, cfg.Kafka.Topics[0]) {
		at := partAttr(part)
		for _, name := range []string{telemetry.MetricLagRecords.Name, telemetry.MetricOffsetDurable.Name, telemetry.MetricOffsetHigh.Name} {
			assert.Equal(t, s.n(name, at), ls.n(name, at), "%s of partition %d: sluice run vs sluice lag", name, part)
		}
		run, ok := s.float(telemetry.MetricLagSeconds.Name, at)
		require.True(t, ok)
		lagged, ok := ls.float(telemetry.MetricLagSeconds.Name, at)
		require.True(t, ok)
		assert.InDelta(t, lagged, run, time.Since(measuredAt).Seconds()+1,
			"%s of partition %d: sluice run vs sluice lag", telemetry.MetricLagSeconds.Name, part)
	}
}
