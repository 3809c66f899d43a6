package cli_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"

	"github.com/sluicehq/sluice/app/demo"
	"github.com/sluicehq/sluice/app/lag"
	"github.com/sluicehq/sluice/app/verify"
	"github.com/sluicehq/sluice/telemetry"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/testing/otlpmetrics"
	"github.com/sluicehq/sluice/transport/objstore"
)

// lagGroup is the consumer group runConfig writes.
const lagGroup = "sluice-cmd-test"

// TestLag archives a topic with "sluice run", then checks "sluice lag":
// caught up; behind by the records produced since (in records and in
// time); the Kafka committed offsets as kcat reads them; the exit codes of
// the limits; the text table; live JSON; the OTLP gauges; bad usage.
func TestLag(t *testing.T) {
	const topic, parts = "events", 2
	kc := kafkatest.Start(t, parts, topic)
	file, out := runConfig(t, kc.Brokers(), topic, "{max_records: 200, idle: 300ms}")
	st, err := objstore.Open(t.Context(), demo.FileURL(out), objstore.S3Config{}, objstore.Settings{})
	require.NoError(t, err)
	kc.ProduceJSON(t, topic, parts, 1000, time.Now().Add(-3*time.Hour))
	end := kc.EndOffsets(t, topic)
	p := startSluice(t, "run", "-c", file)
	archivetest.WaitDurable(t, st, topic, end, 60*time.Second)
	require.Eventually(t, func() bool { return maps.Equal(kc.Committed(t, lagGroup, topic), end) },
		10*time.Second, 50*time.Millisecond, "kafka committed offsets never reached %v", end)
	p.stopGracefully(t)

	// Caught up: lag 0 everywhere.
	snap := lagJSON(t, 0, "lag", "-c", file, "--once", "--json", "--max-lag-records", "1", "--max-lag-time", "1s")
	assert.True(t, snap.OK)
	assert.Equal(t, lagGroup, snap.Group)
	require.Len(t, snap.Partitions, parts)
	for _, lp := range snap.Partitions {
		e := end[lp.Partition]
		assert.Equal(t, topic, lp.Topic)
		require.NotNil(t, lp.Durable)
		assert.Equal(t, e, *lp.Durable)
		require.NotNil(t, lp.Committed)
		assert.Equal(t, e, *lp.Committed)
		assert.Equal(t, e, lp.HighWatermark)
		assert.Zero(t, lp.LagRecords)
		assert.Zero(t, lp.LagSeconds)
		assert.Empty(t, lp.Flags)
		assert.NotNil(t, lp.LastCommit)
	}

	// Fifty records more, an hour old, and no pipeline running.
	kc.ProduceJSON(t, topic, parts, 50, time.Now().Add(-time.Hour))
	snap = lagJSON(t, 0, "lag", "-c", file, "--once", "--json")
	assert.True(t, snap.OK, "no limits")
	for _, lp := range snap.Partitions {
		assert.Equal(t, int64(25), lp.LagRecords)
		assert.InDelta(t, 3600, lp.LagSeconds, 60)
		require.NotNil(t, lp.Oldest)
		assert.Equal(t, end[lp.Partition], lp.Oldest.Offset)
		assert.Equal(t, end[lp.Partition]+25, lp.HighWatermark)
		assert.Empty(t, lp.Flags, "kafka and the bucket agree")
	}

	t.Run("kcat agrees on the committed offsets", func(t *testing.T) {
		kcat := kafkatest.Kcat(t)
		for _, lp := range snap.Partitions {
			assert.Equal(t, *lp.Committed, kcatCommitted(t, kcat, kc.Brokers()[0], lagGroup, topic, lp.Partition), "partition %d", lp.Partition)
		}
		// kcat left the group's offsets as they were.
		again := lagJSON(t, 0, "lag", "-c", file, "--once", "--json")
		for i, lp := range again.Partitions {
			assert.Equal(t, *snap.Partitions[i].Committed, *lp.Committed)
		}
	})

	t.Run("limits", func(t *testing.T) {
		tests := []struct {
			args []string
			code int
		}{
			{[]string{"--max-lag-records", "24"}, 1},
			{[]string{"--max-lag-records", "25"}, 0},
			{[]string{"--max-lag-time", "30m"}, 1},
			{[]string{"--max-lag-time", "2h"}, 0},
			{[]string{"--max-lag-records", "1000", "--max-lag-time", "2h"}, 0},
		}
		for _, tt := range tests {
			t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
				snap := lagJSON(t, tt.code, append([]string{"lag", "-c", file, "--once", "--json"}, tt.args...)...)
				assert.Equal(t, tt.code == 0, snap.OK)
				for _, lp := range snap.Partitions {
					assert.Equal(t, tt.code == 1, lp.OverLimit)
				}
			})
		}
	})

	t.Run("text", func(t *testing.T) {
		r := sluice(t, 60*time.Second, "lag", "-c", file, "--once", "--max-lag-records", "10")
		require.Equal(t, 1, r.code, "stderr:\n%s", r.stderr)
		assert.Contains(t, r.stdout, "DURABLE")
		assert.Contains(t, r.stdout, "KAFKA_COMMITTED")
		assert.Contains(t, r.stdout, "group "+lagGroup)
		assert.Contains(t, r.stdout, "OVER LIMIT: 2 of 2 partitions; lag 50 records")
		assert.Empty(t, r.stderr)
	})

	t.Run("live json", func(t *testing.T) {
		p := startSluice(t, "lag", "-c", file, "--json", "--interval", "200ms")
		time.Sleep(3 * time.Second)
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGINT))
		r := p.wait(t, 30*time.Second)
		require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		require.GreaterOrEqual(t, len(lines), 2, "one object per refresh:\n%s", r.stdout)
		var prev time.Time
		for _, line := range lines {
			var s lag.Snapshot
			require.NoError(t, json.Unmarshal([]byte(line), &s), line)
			require.Len(t, s.Partitions, parts)
			assert.Equal(t, int64(25), s.Partitions[0].LagRecords)
			assert.True(t, s.Time.After(prev))
			prev = s.Time
		}
	})

	t.Run("otlp", func(t *testing.T) {
		rec := otlpmetrics.Start(t)
		yaml, err := os.ReadFile(file)
		require.NoError(t, err)
		otlpFile := writeFile(t, "otlp.yaml", string(yaml)+fmt.Sprintf(`telemetry:
  traces: {exporter: none}
  metrics: {exporters: [otlp], interval: 1h}
  otlp: {endpoint: "http://%s", protocol: grpc}
`, rec.GRPCEndpoint()))
		snap := lagJSON(t, 0, "lag", "-c", otlpFile, "--once", "--json", "--otlp")
		for _, lp := range snap.Partitions {
			attrs := []attribute.KeyValue{telemetry.AttrDestinationName.String(topic),
				telemetry.AttrDestinationPartition.String(strconv.Itoa(int(lp.Partition)))}
			for name, want := range map[string]float64{
				telemetry.MetricLagRecords.Name:    float64(lp.LagRecords),
				telemetry.MetricOffsetDurable.Name: float64(*lp.Durable),
				telemetry.MetricOffsetHigh.Name:    float64(lp.HighWatermark),
				telemetry.MetricLagSeconds.Name:    lp.LagSeconds,
			} {
				pt, err := rec.WaitLatest(t.Context(), name, nil, attrs...)
				require.NoError(t, err, name)
				assert.Equal(t, otlpmetrics.KindGauge, pt.Kind, name)
				assert.Equal(t, want, pt.Value, "%s of partition %d", name, lp.Partition)
			}
		}
		pt, err := rec.WaitLatest(t.Context(), telemetry.MetricLagSeconds.Name, nil)
		require.NoError(t, err)
		assert.Equal(t, telemetry.MetricLagSeconds.Unit, pt.Unit)

		// --otlp with a configuration that exports no metrics: usage error.
		r := sluice(t, 60*time.Second, "lag", "-c", file, "--once", "--otlp")
		require.Equal(t, 2, r.code, "stderr:\n%s", r.stderr)
		assert.Contains(t, r.stderr, "--otlp")
	})

	t.Run("bad usage", func(t *testing.T) {
		invalid := writeFile(t, "invalid.yaml", invalidConfig)
		for _, args := range [][]string{
			{"lag", "-c", invalid, "--once"},
			{"lag", "-c", file, "--interval", "0s"},
			{"lag", "-c", file, "--max-lag-records", "-1"},
			{"lag", "--once"},
		} {
			r := sluice(t, 30*time.Second, args...)
			assert.Equal(t, 2, r.code, "%v: stderr:\n%s", args, r.stderr)
			assert.Empty(t, r.stdout)
		}
		// An unreachable broker is a runtime error.
		yaml, err := os.ReadFile(file)
		require.NoError(t, err)
		dead := strings.Replace(string(yaml), kc.Brokers()[0], closedPort(t), 1)
		deadFile := writeFile(t, "dead.yaml", dead)
		r := sluice(t, 60*time.Second, "lag", "-c", deadFile, "--once")
		assert.Equal(t, 1, r.code, "stderr:\n%s", r.stderr)
		// Live, it shows the failure and keeps trying; the exit code is the
		// last measurement's.
		p := startSluice(t, "lag", "-c", deadFile, "--json", "--interval", "200ms")
		time.Sleep(2 * time.Second)
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGINT))
		r = p.wait(t, 30*time.Second)
		assert.Equal(t, 1, r.code, "stderr:\n%s", r.stderr)
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		require.GreaterOrEqual(t, len(lines), 2, r.stdout)
		for _, line := range lines {
			var s lag.Snapshot
			require.NoError(t, json.Unmarshal([]byte(line), &s), line)
			assert.False(t, s.OK)
			assert.Contains(t, s.Error, "connection refused")
		}
	})
}

// sluiceJSON runs sluice with args (a --json command), requires exit code
// code and returns the T it printed.
func sluiceJSON[T any](t *testing.T, code int, args ...string) T {
	t.Helper()
	r := sluice(t, 60*time.Second, args...)
	require.Equal(t, code, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	var v T
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &v), r.stdout)
	return v
}

// verifyJSON runs a verify --json command: the report it printed.
func verifyJSON(t *testing.T, code int, args ...string) verify.Report {
	t.Helper()
	return sluiceJSON[verify.Report](t, code, args...)
}

// lagJSON runs a lag --json command: the snapshot it printed.
func lagJSON(t *testing.T, code int, args ...string) lag.Snapshot {
	t.Helper()
	return sluiceJSON[lag.Snapshot](t, code, args...)
}

// kcatCommitted returns the group's committed offset of a partition as kcat
// sees it: kcat's simple consumer starts at the stored (committed) offset
// ("-o stored") and prints the offset of the first record it reads. It is
// killed right after, before it commits what it read: with auto commit
// every 10 minutes its only other commit is the one on a clean exit. The
// partition must hold a record at the committed offset.
func kcatCommitted(t *testing.T, kcat, broker, group, topic string, partition int32) int64 {
	t.Helper()
	cmd := exec.Command(kcat, "-b", broker, "-C", "-t", topic, "-p", strconv.Itoa(int(partition)), "-o", "stored",
		"-X", "group.id="+group, "-X", "topic.auto.commit.interval.ms=600000", "-u", "-q", "-f", "%o\n")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Scan()
		lines <- sc.Text()
	}()
	select {
	case line := <-lines:
		o, err := strconv.ParseInt(strings.TrimSpace(line), 10, 64)
		require.NoError(t, err, "kcat printed %q", line)
		return o
	case <-time.After(30 * time.Second):
		t.Fatal("kcat printed no record within 30s")
		return 0
	}
}
