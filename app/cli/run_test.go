package cli_test

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/app/demo"
	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/transport/objstore"
)

// runConfig writes a configuration archiving topic from brokers into a new
// directory; it returns the file and the output directory.
func runConfig(t *testing.T, brokers []string, topic, policy string) (file, out string) {
	t.Helper()
	return runConfigIn(t, brokers, topic, policy, filepath.Join(t.TempDir(), "buffer"))
}

// runConfigIn is runConfig with the buffer in bufferDir.
func runConfigIn(t *testing.T, brokers []string, topic, policy, bufferDir string) (file, out string) {
	t.Helper()
	out = t.TempDir()
	file = writeFile(t, "sluice.yaml", fmt.Sprintf(`kafka:
  brokers: [%s]
  topics: [%s]
  group: sluice-cmd-test
  session_timeout: 10s
destination:
  url: %s
buffer:
  dir: %s
defaults:
  parser:
    type: json
    json: {time_field: ts, time_format: unix_ms}
  policy: %s
shutdown_timeout: 30s
`, strings.Join(brokers, ", "), topic, demo.FileURL(out), bufferDir, policy))
	return file, out
}

// closedPort returns a local address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func TestRunFailsToStart(t *testing.T) {
	kc := kafkatest.Start(t, 1, "events")
	unreachable := closedPort(t)
	tests := []struct {
		name    string
		brokers []string
		topic   string
		want    []string
	}{
		{"unreachable broker", []string{unreachable}, "events", []string{"connecting to kafka brokers " + unreachable, "connection refused"}},
		{"unknown topic", kc.Brokers(), "no-such-topic", []string{"topic does not exist", `"no-such-topic"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file, _ := runConfig(t, tt.brokers, tt.topic, "{}")
			start := time.Now()
			r := sluice(t, 60*time.Second, "run", "-c", file)
			require.Equal(t, 1, r.code, "stderr:\n%s", r.stderr)
			assert.Less(t, time.Since(start), 30*time.Second)
			assert.Empty(t, r.stdout)
			// The error is one line, the last, prefixed with "sluice: ".
			last := r.lastLine()
			assert.True(t, strings.HasPrefix(last, "sluice: "), "last line %q", last)
			for _, w := range tt.want {
				assert.Contains(t, last, w)
			}
		})
	}
}

// TestRunStopsGracefullyExactlyOnce archives records, stops sluice with
// SIGTERM while records keep arriving, and checks it exits 0 with what it
// stored consistent: every offset below the progress record's next offset
// stored once, Kafka's committed offset not past it. A restart then archives
// the rest, exactly once.
func TestRunStopsGracefullyExactlyOnce(t *testing.T) {
	const topic, parts = "events", 4
	kc := kafkatest.Start(t, parts, topic)
	file, out := runConfig(t, kc.Brokers(), topic, "{max_records: 300, idle: 300ms}")
	st, err := objstore.Open(t.Context(), demo.FileURL(out), objstore.S3Config{}, objstore.Settings{})
	require.NoError(t, err)
	base := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

	kc.ProduceJSON(t, topic, parts, 2000, base)
	p := startSluice(t, "run", "-c", file)
	archivetest.WaitDurable(t, st, topic, kc.EndOffsets(t, topic), 60*time.Second)
	kc.ProduceJSON(t, topic, parts, 1000, base.Add(time.Hour)) // some of it buffered when the signal comes
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	r := p.wait(t, 60*time.Second)
	require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
	assert.Contains(t, r.stderr, "SIGTERM: shutting down gracefully")

	next := durable(t, st, topic, parts)
	archivetest.RequireExactlyOnce(t, archivetest.ReadAll(t, st), topic, next)
	// After a clean shutdown Kafka's committed offset is exactly what the
	// bucket holds: every round was committed on a live session.
	committed := kc.Committed(t, "sluice-cmd-test", topic)
	for part, n := range next {
		assert.Equal(t, n, committed[part], "partition %d: kafka committed offset vs progress record", part)
	}

	// A restart picks up where the bucket says and archives the rest.
	end := kc.EndOffsets(t, topic)
	p = startSluice(t, "run", "-c", file)
	archivetest.WaitDurable(t, st, topic, end, 60*time.Second)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGINT))
	r = p.wait(t, 60*time.Second)
	require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
	archivetest.RequireExactlyOnce(t, archivetest.ReadAll(t, st), topic, end)
}

// TestRunSecondSignalQuitsAtOnce delivers two signals to a running sluice at
// the same moment (queued while it is stopped): the first starts the graceful
// shutdown, the second ends the process at once with 128+signal and a line
// saying nothing is lost.
func TestRunSecondSignalQuitsAtOnce(t *testing.T) {
	const topic = "events"
	kc := kafkatest.Start(t, 2, topic)
	file, _ := runConfig(t, kc.Brokers(), topic, "{}")
	kc.ProduceJSON(t, topic, 2, 500, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	p := startSluice(t, "run", "-c", file)
	p.waitLine(t, "sluice running", 60*time.Second)

	// Signals of different numbers queued while the process is stopped are
	// both delivered on SIGCONT, in an order the runtime chooses.
	pid := p.cmd.Process.Pid
	require.NoError(t, syscall.Kill(pid, syscall.SIGSTOP))
	require.NoError(t, syscall.Kill(pid, syscall.SIGINT))
	require.NoError(t, syscall.Kill(pid, syscall.SIGTERM))
	require.NoError(t, syscall.Kill(pid, syscall.SIGCONT))
	r := p.wait(t, 30*time.Second)
	first, second := syscall.SIGINT, syscall.SIGTERM
	if r.code == 128+int(syscall.SIGINT) {
		first, second = second, first
	}
	require.Equal(t, 128+int(second), r.code, "stderr:\n%s", r.stderr)
	assert.Contains(t, r.stderr, "sluice: "+signalName(first)+": shutting down gracefully")
	assert.Contains(t, r.stderr, "sluice: "+signalName(second)+" again: quitting at once; records buffered and not yet committed will be read again from Kafka")
}

func signalName(s syscall.Signal) string {
	if s == syscall.SIGINT {
		return "SIGINT"
	}
	return "SIGTERM"
}

// durable returns each partition's next offset to store, from its progress
// record (0 when it has none).
func durable(t *testing.T, st objstore.Store, topic string, parts int32) map[int32]int64 {
	t.Helper()
	ledger := commit.NewLedger(st, "test-reader")
	out := map[int32]int64{}
	for p := range parts {
		prog, ok, err := ledger.Load(t.Context(), topic, p)
		require.NoError(t, err)
		require.True(t, !ok || prog.Pending == nil, "partition %d has a pending round after a clean stop", p)
		out[p] = prog.Next
	}
	return out
}
