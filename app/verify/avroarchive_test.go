package verify_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hamba/avro/v2/ocf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/app/verify"
	"github.com/sluicehq/sluice/pipeline"
	"github.com/sluicehq/sluice/stages/format"
	"github.com/sluicehq/sluice/testing/kafkatest"
)

// TestVerifyAvroArchive verifies an archive of avro files the pipeline
// wrote, then the same archive with a record taken out of an object and
// with a record stored twice in one.
func TestVerifyAvroArchive(t *testing.T) {
	const topic = "orders"
	kc := kafkatest.Start(t, 2, topic)
	kc.ProduceJSON(t, topic, 2, 1500, time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC))
	end := map[string]map[int32]int64{topic: kc.EndOffsets(t, topic)}
	archiveDir := t.TempDir()
	archiveTopics(t, kc.Brokers(), archiveDir, end, func(cfg *pipeline.Config) {
		cfg.Defaults.Format = format.Config{Type: format.TypeAvro, Compression: format.CompressionZstd}
	})
	a := archive{dir: archiveDir, end: end}
	fs := files(t, a.dir, topic, 1)
	require.Greater(t, len(fs), 2)
	require.Equal(t, ".avro", filepath.Ext(fs[0].rel))

	t.Run("clean", func(t *testing.T) {
		rep := run(t, a.dir)
		require.True(t, rep.OK, "findings: %+v", findings(rep))
		assert.Equal(t, int64(1500), rep.Records)
		for _, p := range rep.Partitions {
			assert.Equal(t, end[topic][p.Partition], p.Records)
		}
	})
	t.Run("missing offset", func(t *testing.T) {
		dir := a.clone(t)
		rewriteAvro(t, filepath.Join(dir, fs[1].rel), func(rows []map[string]any) []map[string]any {
			return append(rows[:5:5], rows[6:]...)
		})
		rep := run(t, dir)
		require.False(t, rep.OK)
		requireFinding(t, rep, verify.KindGap, "")
	})
	t.Run("duplicated offset", func(t *testing.T) {
		dir := a.clone(t)
		rewriteAvro(t, filepath.Join(dir, fs[1].rel), func(rows []map[string]any) []map[string]any {
			return append(rows[:6:6], rows[5:]...)
		})
		rep := run(t, dir)
		require.False(t, rep.OK)
		requireFinding(t, rep, verify.KindDuplicate, fs[1].rel)
	})
}

// rewriteAvro rewrites the avro file at path with its rows changed by
// edit, with hamba/avro and the file's own schema.
func rewriteAvro(t *testing.T, path string, edit func([]map[string]any) []map[string]any) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	dec, err := ocf.NewDecoder(bytes.NewReader(data))
	require.NoError(t, err)
	var rows []map[string]any
	for dec.HasNext() {
		var m map[string]any
		require.NoError(t, dec.Decode(&m))
		rows = append(rows, m)
	}
	require.NoError(t, dec.Error())
	require.Greater(t, len(rows), 6)
	var buf bytes.Buffer
	enc, err := ocf.NewEncoderWithSchema(dec.Schema(), &buf, ocf.WithCodec(ocf.ZStandard))
	require.NoError(t, err)
	for _, r := range edit(rows) {
		require.NoError(t, enc.Encode(r))
	}
	require.NoError(t, enc.Close())
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
}
