package e2e

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/stages/format"
	"github.com/sluicehq/sluice/stages/parse"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/avsc"
	"github.com/sluicehq/sluice/testing/kafkatest"
)

// TestDeclaredSchemaTypedAvro: the typed records of
// TestDeclaredSchemaTypedParquet as Avro files, read by avsc with their
// typed columns, and verified by the offset column their header names.
func TestDeclaredSchemaTypedAvro(t *testing.T) {
	const topic, n = "orders", 120
	kc := kafkatest.Start(t, 2, topic)
	dir := t.TempDir()
	cfg := testConfig(t, kc.Brokers(), "file://"+dir, topic)
	require.NoError(t, yaml.Unmarshal([]byte(orderSchema), &cfg.Defaults.Schema))
	cfg.Defaults.Parser = parse.Config{Type: parse.TypeJSON, JSON: parse.JSONConfig{TimeField: "at", TimeFormat: "auto"}}
	cfg.Defaults.Format.Type = format.TypeAvro
	require.NoError(t, cfg.Validate())
	st := openStore(t, "file://"+dir, cfg.Destination.S3)

	base := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	recs := make([]kafkatest.Record, n)
	for i := range recs {
		at := base.Add(time.Duration(i) * 37 * time.Second)
		recs[i] = kafkatest.Record{Partition: int32(i % 2), Key: []byte(fmt.Sprint("k", i)), Value: orderJSON(i, at), Timestamp: base}
	}
	kc.Produce(t, topic, recs...)
	r := start(t, cfg, pipelineSettings())
	archivetest.WaitDurable(t, st, topic, kc.EndOffsets(t, topic), 60*time.Second)
	require.NoError(t, r.stop(t))

	files, err := filepath.Glob(filepath.Join(dir, topic, "*", "*", "*.avro"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var rows []map[string]any
	for _, f := range files {
		got := avsc.Read(t, f)
		assert.Equal(t, "deflate", got.Codec)
		assert.Equal(t, "_offset", got.Meta[format.MetaOffsetColumn])
		rows = append(rows, got.Records...)
	}
	require.Len(t, rows, n)
	sort.Slice(rows, func(a, b int) bool { return id(rows[a]) < id(rows[b]) })
	for i, row := range rows {
		at := base.Add(time.Duration(i) * 37 * time.Second)
		assert.Equal(t, strconv.Itoa(i), row["id"])
		assert.Equal(t, strconv.FormatInt(at.UnixMilli(), 10), row["at"], "timestamp-millis, id %d", i)
		assert.Equal(t, strconv.Itoa(i/2), row["_offset"])
		assert.Equal(t, float64(i%2), row["_partition"])
		if i%3 == 2 {
			assert.Equal(t, "view", row["action"])
			assert.Nil(t, row["ratio"])
			assert.Nil(t, row["user"])
			continue
		}
		assert.Equal(t, "buy", row["action"])
		assert.InDelta(t, float64(i)+0.25, row["ratio"], 1e-9)
		assert.Equal(t, map[string]any{"id": strconv.Itoa(i * 10), "country": "FR"}, row["user"])
		assert.Equal(t, []any{"a", fmt.Sprint("b", i)}, row["tags"])
		assert.Equal(t, map[string]any{"z": float64(1), "a": float64(i)}, row["attrs"])
	}
	verifyOK(t, st, topic, n)
}

// id is a row's id column.
func id(row map[string]any) int {
	n, _ := strconv.Atoi(fmt.Sprint(row["id"]))
	return n
}
