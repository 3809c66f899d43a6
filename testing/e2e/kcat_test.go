package e2e

import (
	"bytes"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/testing/kafkatest"
)

// TestKcatProducer: records produced by an independent client (kcat, on
// librdkafka) into the broker are archived exactly once with their keys and
// values.
func TestKcatProducer(t *testing.T) {
	kcat := kafkatest.Kcat(t)
	const topic, n = "clicks", 500
	kc := kafkatest.Start(t, 2, topic)
	url := "file://" + t.TempDir()
	cfg := testConfig(t, kc.Brokers(), url, topic)
	st := openStore(t, url, cfg.Destination.S3)

	var in bytes.Buffer
	want := map[string]string{}
	for i := range n {
		k, v := fmt.Sprintf("user-%d", i%7), fmt.Sprintf(`{"ts":%d,"n":%d}`, time.Date(2026, 11, 22, 1, 0, i, 0, time.UTC).UnixMilli(), i)
		fmt.Fprintf(&in, "%s\t%s\n", k, v)
		want[v] = k
	}
	for p := range 2 {
		cmd := exec.Command(kcat, "-b", kc.Brokers()[0], "-t", topic, "-P", "-p", fmt.Sprint(p), "-K", "\t", "-H", "source=kcat")
		half := bytes.Split(in.Bytes(), []byte("\n"))
		var part bytes.Buffer
		for i, line := range half {
			if len(line) > 0 && i%2 == p {
				part.Write(line)
				part.WriteByte('\n')
			}
		}
		cmd.Stdin = &part
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "kcat: %s", out)
	}
	rows := archiveProduced(t, cfg, kc, st, topic, n)
	for _, row := range rows {
		k, ok := want[string(row.Value)]
		require.True(t, ok, "unexpected value %q", row.Value)
		require.Equal(t, k, string(row.RecordKey))
	}

}
