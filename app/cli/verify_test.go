package cli_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/app/demo"
	"github.com/sluicehq/sluice/app/verify"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/transport/objstore"
)

// TestVerify archives a topic with "sluice run", then runs "sluice verify"
// on the clean archive, on the archive with an object deleted (with the
// broker, without it and with it unreachable), and with an invalid
// configuration.
func TestVerify(t *testing.T) {
	const topic, parts = "events", 2
	kc := kafkatest.Start(t, parts, topic)
	file, out := runConfig(t, kc.Brokers(), topic, "{max_records: 300, idle: 300ms}")
	st, err := objstore.Open(t.Context(), demo.FileURL(out), objstore.S3Config{}, objstore.Settings{})
	require.NoError(t, err)
	kc.ProduceJSON(t, topic, parts, 2000, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	end := kc.EndOffsets(t, topic)
	p := startSluice(t, "run", "-c", file)
	archivetest.WaitDurable(t, st, topic, end, 60*time.Second)
	p.stopGracefully(t)

	// Clean: exit 0, exact counts.
	rep := verifyJSON(t, 0, "verify", "-c", file, "--json")
	require.True(t, rep.OK)
	require.Len(t, rep.Partitions, parts)
	for _, p := range rep.Partitions {
		assert.Equal(t, end[p.Partition], p.Records, "partition %d", p.Partition)
		assert.Equal(t, verify.StatusOK, p.Status)
	}
	assert.Equal(t, int64(2000), rep.Records)
	assert.True(t, rep.BrokerConsulted)
	for _, p := range rep.Partitions {
		require.NotNil(t, p.Broker)
		assert.Equal(t, end[p.Partition], p.Broker.HighWatermark)
		assert.Zero(t, p.Broker.Lag)
	}

	r := sluice(t, 60*time.Second, "verify", "-c", file)
	require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
	assert.Empty(t, r.stderr, "no progress bar when stderr is not a terminal")
	assert.Contains(t, r.stdout, "NEXT_OFFSET")
	assert.Contains(t, r.stdout, "OK: ")
	assert.Contains(t, r.stdout, "broker consulted (read_")

	// An unreachable broker is a warning: the clean archive still passes.
	yaml, err := os.ReadFile(file)
	require.NoError(t, err)
	dead := strings.Replace(string(yaml), kc.Brokers()[0], closedPort(t), 1)
	deadFile := writeFile(t, "dead.yaml", dead)
	rep = verifyJSON(t, 0, "verify", "-c", deadFile, "--json")
	assert.False(t, rep.BrokerConsulted)
	require.Len(t, rep.Findings, 1)
	assert.Equal(t, verify.KindBrokerUnreachable, rep.Findings[0].Kind)
	assert.Equal(t, verify.SeverityWarning, rep.Findings[0].Severity)

	// A deleted object is a gap: exit 1, the gap in the report.
	var victim string
	require.NoError(t, filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && victim == "" && strings.HasPrefix(d.Name(), "events+1+") && !strings.HasSuffix(d.Name(), "+00000000000000000000.parquet") {
			victim = p
		}
		return err
	}))
	require.NotEmpty(t, victim)
	require.NoError(t, os.Remove(victim))
	// With the broker the deleted offsets are lost (a middle round) or
	// next_offset is ahead of the objects (the last round); without it a
	// middle round's offsets are an unverified gap.
	for _, tt := range []struct {
		args []string
		gap  string
	}{
		{[]string{"--no-progress"}, verify.KindLost},
		{[]string{"--no-broker"}, verify.KindGap},
	} {
		rep = verifyJSON(t, 1, append([]string{"verify", "-c", file, "--json"}, tt.args...)...)
		require.False(t, rep.OK)
		assert.Equal(t, tt.gap == verify.KindLost, rep.BrokerConsulted)
		require.Len(t, rep.Partitions, parts)
		assert.Equal(t, verify.StatusOK, rep.Partitions[0].Status)
		bad := rep.Partitions[1]
		assert.Equal(t, verify.StatusViolation, bad.Status)
		assert.Less(t, bad.Records, end[1])
		require.NotEmpty(t, bad.Findings)
		kinds := map[string]bool{}
		for _, f := range bad.Findings {
			kinds[f.Kind] = true
		}
		assert.True(t, kinds[tt.gap] || kinds[verify.KindProgressNext], "%v: findings: %+v", tt.args, bad.Findings)
		if kinds[tt.gap] && tt.gap == verify.KindLost {
			assert.Equal(t, end[1]-bad.Records, bad.LostOffsets)
		}
	}

	r = sluice(t, 60*time.Second, "verify", "-c", file)
	require.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "FAILED: ")

	// An invalid configuration: exit 2.
	invalid := writeFile(t, "invalid.yaml", invalidConfig)
	r = sluice(t, 30*time.Second, "verify", "-c", invalid)
	require.Equal(t, 2, r.code, "stderr:\n%s", r.stderr)
	assert.Empty(t, r.stdout)
}
