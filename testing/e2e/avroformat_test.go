package e2e

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/app/verify"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/avsc"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/testing/minio"
)

// TestS3Avro archives a topic to MinIO as Avro object container files
// (zstd), reads every object back with avsc, an independent Avro
// implementation, and verifies the archive with "sluice verify"'s checks.
func TestS3Avro(t *testing.T) {
	const parts, n = 3, 2000
	kc := kafkatest.Start(t, parts, "orders")
	srv := minio.Start(t)
	srv.CreateBucket(t, "archive")
	url := "s3://archive/raw"
	cfg := testConfig(t, kc.Brokers(), url, "orders")
	cfg.Destination.S3 = srv.S3Config()
	cfg.Defaults.Format.Type = "avro"
	cfg.Defaults.Format.Compression = "zstd"
	st := openStore(t, url, cfg.Destination.S3)
	kc.ProduceJSON(t, "orders", parts, n, time.Date(2026, 11, 21, 22, 0, 0, 0, time.UTC))

	rows := archiveProduced(t, cfg, kc, st, "orders", n)
	byKey := map[string][]archivetest.Row{}
	for _, r := range rows {
		require.Regexp(t, `^orders/dt=2026-11-2[12]/hr=\d\d/orders\+\d\+\d{20}\.avro$`, r.Key)
		byKey[r.Key] = append(byKey[r.Key], r)
	}
	require.Greater(t, len(byKey), parts, "several objects")

	dir := t.TempDir()
	for key, want := range byKey {
		rc, err := st.Open(t.Context(), key)
		require.NoError(t, err)
		local := filepath.Join(dir, path.Base(key))
		f, err := os.Create(local)
		require.NoError(t, err)
		_, err = io.Copy(f, rc)
		rc.Close()
		require.NoError(t, f.Close())
		require.NoError(t, err)

		got := avsc.Read(t, local)
		assert.Equal(t, "zstandard", got.Codec, key)
		var schema struct {
			Name string `json:"name"`
		}
		require.NoError(t, json.Unmarshal(got.Schema, &schema))
		assert.Equal(t, "sluice.Row", schema.Name)
		require.Len(t, got.Records, len(want), key)
		for i, w := range want {
			r := got.Records[i]
			assert.Equal(t, w.Topic, r["topic"], key)
			assert.Equal(t, float64(w.Partition), r["partition"], key)
			assert.Equal(t, strconv.FormatInt(w.Offset, 10), r["offset"], key)
			assert.Equal(t, map[string]any{"$bytes": base64.StdEncoding.EncodeToString(w.Value)}, r["value"], key)
			assert.Equal(t, map[string]any{"$bytes": base64.StdEncoding.EncodeToString(w.RecordKey)}, r["key"], key)
		}
	}

	rep, err := verify.Run(t.Context(), verify.Config{}, verify.Settings{Store: st, TempDir: t.TempDir()})
	require.NoError(t, err)
	require.True(t, rep.OK, "verify findings: %+v", rep.Findings)
	assert.Equal(t, int64(n), rep.Records)
}
