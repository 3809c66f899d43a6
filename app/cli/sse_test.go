package cli_test

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/testing/minio"
	"github.com/sluicehq/sluice/transport/objstore"
)

// sseConfig writes a configuration that archives topic to MinIO with the
// given encryption block (YAML flow mapping under destination.s3).
func sseConfig(t *testing.T, brokers []string, topic string, srv *minio.Server, encryption string) string {
	t.Helper()
	return writeFile(t, "sluice.yaml", fmt.Sprintf(`kafka:
  brokers: [%s]
  topics: [%s]
  group: sluice-sse-test
  session_timeout: 10s
destination:
  url: s3://archive/raw
  s3:
    endpoint: %s
    region: us-east-1
    path_style: true
    access_key_id: %s
    secret_access_key: %s
    encryption: %s
buffer:
  dir: %s
defaults:
  parser:
    type: json
    json: {time_field: ts, time_format: unix_ms}
  policy: {max_records: 300, idle: 300ms}
shutdown_timeout: 30s
`, strings.Join(brokers, ", "), topic, srv.Endpoint, srv.AccessKey, srv.SecretKey, encryption, filepath.Join(t.TempDir(), "buffer")))
}

// TestCustomerKeyRoundTrip archives with SSE-C ("sluice run") to MinIO
// over TLS, trusted through $AWS_CA_BUNDLE as a user with a private CA
// would, then reads the archive back with "sluice verify" and "sluice lag"
// using the key; without the key verify fails and names the setting.
func TestCustomerKeyRoundTrip(t *testing.T) {
	const topic, parts = "events", 2
	kc := kafkatest.Start(t, parts, topic)
	srv := minio.StartWith(t, minio.Options{TLS: true})
	srv.CreateBucket(t, "archive")
	t.Setenv("AWS_CA_BUNDLE", srv.CAFile) // inherited by the sluice processes
	key := make([]byte, 32)
	_, err := rand.Read(key)
	require.NoError(t, err)
	keyFile := writeFile(t, "sse-c.key", base64.StdEncoding.EncodeToString(key)+"\n")
	file := sseConfig(t, kc.Brokers(), topic, srv, "{mode: sse-c, customer_key_file: "+keyFile+"}")

	cfg := srv.S3Config()
	cfg.Encryption = objstore.S3Encryption{Mode: objstore.EncryptionSSEC, CustomerKeyFile: keyFile}
	st, err := objstore.Open(t.Context(), "s3://archive/raw", cfg, objstore.Settings{HTTPClient: srv.HTTPClient})
	require.NoError(t, err)
	kc.ProduceJSON(t, topic, parts, 1200, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	end := kc.EndOffsets(t, topic)
	p := startSluice(t, "run", "-c", file)
	archivetest.WaitDurable(t, st, topic, end, 90*time.Second)
	r := p.stopGracefully(t)

	rep := verifyJSON(t, 0, "verify", "-c", file, "--json")
	assert.True(t, rep.OK)
	assert.Equal(t, int64(1200), rep.Records)

	snap := lagJSON(t, 0, "lag", "-c", file, "--once", "--json")
	require.Len(t, snap.Partitions, parts)
	for _, lp := range snap.Partitions {
		require.NotNil(t, lp.Durable)
		assert.Equal(t, end[lp.Partition], *lp.Durable)
	}

	// Without the key nothing can be read: verify says which setting.
	noKey := sseConfig(t, kc.Brokers(), topic, srv, "{mode: none}")
	r = sluice(t, 60*time.Second, "verify", "-c", noKey, "--no-broker")
	require.Equal(t, 1, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	assert.Contains(t, r.stdout+r.stderr, "encryption.customer_key_file")
}
