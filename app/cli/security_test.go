package cli_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/app/demo"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/transport/objstore"
)

// secureConfig writes a run configuration for a TLS + SCRAM-SHA-512
// broker, the password from a file, and returns it with the output
// directory. A wrong password is written instead when password is given.
func secureConfig(t *testing.T, kc *kafkatest.Cluster, certs *kafkatest.Certs, topic, password string) (file, out string) {
	t.Helper()
	file, out = runConfig(t, kc.Brokers(), topic, "{max_records: 300, idle: 300ms}")
	pw := filepath.Join(t.TempDir(), "kafka-password")
	require.NoError(t, os.WriteFile(pw, []byte(password+"\n"), 0o600))
	yaml := mustRead(t, file)
	sec := fmt.Sprintf(`  session_timeout: 10s
  tls:
    enabled: true
    ca_file: %s
  sasl:
    mechanism: SCRAM-SHA-512
    username: sluice
    password_file: %s
`, certs.CAFile, pw)
	text := strings.Replace(yaml, "  session_timeout: 10s\n", sec, 1)
	require.NoError(t, os.WriteFile(file, []byte(text), 0o600))
	return file, out
}

// TestSecureRunVerifyLag: sluice run, verify and lag all work against a
// broker that requires TLS and SCRAM-SHA-512, from the same configuration;
// with a wrong password each fails within seconds with one line naming the
// broker and the mechanism, and run commits nothing.
func TestSecureRunVerifyLag(t *testing.T) {
	const topic, parts = "events", 2
	certs := kafkatest.NewCerts(t)
	kc := kafkatest.StartSecure(t, kafkatest.Security{
		ServerTLS: certs.ServerTLS(t, false), ClientTLS: certs.ClientTLS(t),
		Users: []kafkatest.User{{Mechanism: "SCRAM-SHA-512", User: "sluice", Pass: "right-password"}},
	}, parts, topic)
	file, out := secureConfig(t, kc, certs, topic, "right-password")
	st, err := objstore.Open(t.Context(), demo.FileURL(out), objstore.S3Config{}, objstore.Settings{})
	require.NoError(t, err)
	kc.ProduceJSON(t, topic, parts, 1000, time.Now().Add(-2*time.Hour))
	end := kc.EndOffsets(t, topic)

	r := sluice(t, 30*time.Second, "validate", "-c", file, "--print")
	require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
	assert.NotContains(t, r.stdout, "right-password")
	assert.Contains(t, r.stdout, "mechanism: SCRAM-SHA-512")

	p := startSluice(t, "run", "-c", file)
	archivetest.WaitDurable(t, st, topic, end, 60*time.Second)
	require.Eventually(t, func() bool { return maps.Equal(kc.Committed(t, lagGroup, topic), end) },
		10*time.Second, 50*time.Millisecond, "kafka committed offsets never reached %v", end)
	r = p.stopGracefully(t)
	assert.NotContains(t, r.stderr, "right-password")

	rep := verifyJSON(t, 0, "verify", "-c", file, "--json")
	assert.True(t, rep.OK)
	assert.True(t, rep.BrokerConsulted, "verify reached the broker over TLS + SCRAM")
	assert.Equal(t, int64(1000), rep.Records)

	snap := lagJSON(t, 0, "lag", "-c", file, "--once", "--json")
	require.Len(t, snap.Partitions, parts)
	for _, lp := range snap.Partitions {
		assert.Equal(t, end[lp.Partition], lp.HighWatermark, "lag read the broker over TLS + SCRAM")
		require.NotNil(t, lp.Committed)
		assert.Equal(t, end[lp.Partition], *lp.Committed)
		assert.Zero(t, lp.LagRecords)
	}

	// insecure_skip_verify: no CA needed, and a warning at start.
	insecure := strings.Replace(mustRead(t, file), "    ca_file: "+certs.CAFile+"\n", "    insecure_skip_verify: true\n", 1)
	require.Contains(t, insecure, "insecure_skip_verify")
	r = sluice(t, 60*time.Second, "lag", "-c", writeFile(t, "insecure.yaml", insecure), "--once", "--json")
	require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
	assert.Contains(t, r.stderr, "WARN")
	assert.Contains(t, r.stderr, "kafka.tls.insecure_skip_verify is set: the brokers' certificates are NOT verified")

	// More records, then the wrong password: every command fails fast,
	// with one line; run commits nothing.
	kc.ProduceJSON(t, topic, parts, 100, time.Now().Add(-time.Hour))
	bad, _ := secureConfig(t, kc, certs, topic, "wrong-password")
	want := "sluice: kafka: authenticating to " + kc.Brokers()[0] + " with SCRAM-SHA-512: invalid credentials"
	for _, args := range [][]string{
		{"run", "-c", bad},
		{"verify", "-c", bad},
		{"lag", "-c", bad, "--once"},
	} {
		began := time.Now()
		r := sluice(t, 60*time.Second, args...)
		assert.Equal(t, 1, r.code, "%v: stderr:\n%s", args, r.stderr)
		assert.Less(t, time.Since(began), 10*time.Second, "%v fails fast", args)
		assert.True(t, strings.HasPrefix(r.lastLine(), want), "%v: last line %q", args, r.lastLine())
		assert.Equal(t, 1, strings.Count(r.stderr, "invalid credentials"), "%v: one line, no retry loop:\n%s", args, r.stderr)
		assert.NotContains(t, r.stderr, "wrong-password")
	}
	assert.Equal(t, end, kc.Committed(t, lagGroup, topic), "nothing committed with the wrong password")
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}
