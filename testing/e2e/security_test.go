package e2e

import (
	"bytes"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/pipeline"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/transport/kafka"
)

// TestTLSSCRAMPipeline: the pipeline archives from a broker that requires
// TLS and SCRAM-SHA-512, exactly once, and commits the group's offsets
// there (the consumer group, the commit and the lag poller all
// authenticate).
func TestTLSSCRAMPipeline(t *testing.T) {
	const topic, parts, n = "secure", 3, 3000
	certs := kafkatest.NewCerts(t)
	kc := kafkatest.StartSecure(t, kafkatest.Security{
		ServerTLS: certs.ServerTLS(t, false), ClientTLS: certs.ClientTLS(t),
		Users: []kafkatest.User{{Mechanism: kafka.MechanismSCRAMSHA512, User: "archiver", Pass: "p4ss"}},
	}, parts, topic)
	url := "file://" + t.TempDir()
	cfg := testConfig(t, kc.Brokers(), url, topic)
	cfg.Kafka.TLS = kafka.TLSConfig{Enabled: true, CAFile: certs.CAFile, MinVersion: kafka.TLSVersion12}
	cfg.Kafka.SASL = kafka.SASLConfig{Mechanism: kafka.MechanismSCRAMSHA512, Username: "archiver", Password: "p4ss"}
	st := openStore(t, url, cfg.Destination.S3)

	kc.ProduceJSON(t, topic, parts, n, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	end := kc.EndOffsets(t, topic)
	r := start(t, cfg, pipeline.Settings{})
	archivetest.WaitDurable(t, st, topic, end, 60*time.Second)
	requireKafkaCommitted(t, kc, st, cfg.Kafka.Group, topic, end)
	require.NoError(t, r.stop(t))
	archivetest.RequireExactlyOnce(t, archivetest.ReadAll(t, st), topic, end)
}

// TestKcatMutualTLS: kcat (librdkafka, an independent client) produces into
// a broker that requires TLS with client certificates, and sluice, with its
// own client certificate, archives every record exactly once. (kcat cannot
// do kfake's SASL, so SASL is tested with sluice's clients.)
func TestKcatMutualTLS(t *testing.T) {
	kcat := kafkatest.Kcat(t)
	const topic, n = "mtls", 400
	certs := kafkatest.NewCerts(t)
	kc := kafkatest.StartSecure(t, kafkatest.Security{ServerTLS: certs.ServerTLS(t, true), ClientTLS: certs.ClientTLS(t)}, 2, topic)
	url := "file://" + t.TempDir()
	cfg := testConfig(t, kc.Brokers(), url, topic)
	cfg.Kafka.TLS = kafka.TLSConfig{Enabled: true, CAFile: certs.CAFile, CertFile: certs.ClientCert, KeyFile: certs.ClientKey,
		MinVersion: kafka.TLSVersion12}
	st := openStore(t, url, cfg.Destination.S3)

	want := map[string]bool{}
	for p := range 2 {
		var in bytes.Buffer
		for i := p; i < n; i += 2 {
			v := fmt.Sprintf(`{"ts":%d,"n":%d}`, time.Date(2026, 11, 22, 1, 0, i, 0, time.UTC).UnixMilli(), i)
			fmt.Fprintln(&in, v)
			want[v] = true
		}
		cmd := exec.Command(kcat, "-b", kc.Brokers()[0], "-t", topic, "-P", "-p", fmt.Sprint(p),
			"-X", "security.protocol=ssl", "-X", "ssl.ca.location="+certs.CAFile,
			"-X", "ssl.certificate.location="+certs.ClientCert, "-X", "ssl.key.location="+certs.ClientKey)
		cmd.Stdin = &in
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "kcat: %s", out)
	}
	rows := archiveProduced(t, cfg, kc, st, topic, n)
	for _, row := range rows {
		require.True(t, want[string(row.Value)], "unexpected value %q", row.Value)
	}
}
