package e2e

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/stages/parse"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/duckdb"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/testing/schemaregistry"
	"github.com/sluicehq/sluice/testing/srproducer"
	"github.com/sluicehq/sluice/transport/schemareg"
)

// An order as a JSON Schema: required id and time, a nested struct, a list.
const orderJSONSchema = `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object",
  "properties":{"id":{"type":"integer"},"at":{"type":"string","format":"date-time"},
    "total":{"type":["number","null"]},"buyer":{"type":"object","properties":{"country":{"type":"string"}}},
    "items":{"type":"array","items":{"type":"string"}}},
  "required":["id","at"]}`

// TestJSONSchemaRegistryTypedParquet: kafkajs with
// @kafkajs/confluent-schema-registry registers a JSON Schema and produces
// JSON records in the Confluent wire format; sluice's json_schema parser
// types them by the registry's schema, and DuckDB reads typed columns.
func TestJSONSchemaRegistryTypedParquet(t *testing.T) {
	const topic, n = "orders", 20
	reg := schemaregistry.Start(t, schemaregistry.Options{})
	kc := kafkatest.Start(t, 1, topic)
	base := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	var recs []any
	for i := range n {
		rec := map[string]any{"id": i, "at": base.Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
			"buyer": map[string]any{"country": "FR"}, "items": []string{"a", fmt.Sprint("b", i)}}
		if i%2 == 0 {
			rec["total"] = float64(i) + 0.5
		}
		recs = append(recs, rec)
	}
	p0 := int32(0)
	res := srproducer.Produce(t, srproducer.Options{Registry: reg.URL(), Brokers: kc.Brokers(), Topic: topic, Partition: &p0,
		Subject: topic + "-value", Type: srproducer.JSON, Schema: orderJSONSchema, Records: recs})
	require.Equal(t, n, res.Produced)

	dir := t.TempDir()
	cfg := testConfig(t, kc.Brokers(), "file://"+dir, topic)
	cfg.SchemaRegistry = schemareg.Config{URL: schemareg.URLs{reg.URL()}, Timeout: 5 * time.Second}
	cfg.Defaults.Parser = parse.Config{Type: parse.TypeJSONSchema, JSON: parse.JSONConfig{TimeFormat: parse.FormatAuto},
		Time: parse.TimeConfig{Source: parse.SourceField, Field: "at"}}
	require.NoError(t, cfg.Validate())
	st := openStore(t, "file://"+dir, cfg.Destination.S3)
	r := start(t, cfg, pipelineSettings())
	archivetest.WaitDurable(t, st, topic, kc.EndOffsets(t, topic), 60*time.Second)
	require.NoError(t, r.stop(t))
	verifyOK(t, st, topic, n)

	glob := filepath.Join(dir, topic, "**", "*.parquet")
	got := columnTypes(t, glob)
	assert.Equal(t, "BIGINT", got["id"])
	assert.Equal(t, "TIMESTAMP WITH TIME ZONE", got["at"])
	assert.Equal(t, "DOUBLE", got["total"])
	assert.Equal(t, "STRUCT(country VARCHAR)", got["buyer"])
	assert.Equal(t, "VARCHAR[]", got["items"])
	rows := duckdb.Query(t, fmt.Sprintf(`SELECT id, total, buyer.country AS country, items[2] AS item, CAST(epoch_ms("at") AS BIGINT) AS at_ms
		FROM read_parquet('%s') ORDER BY id`, glob))
	require.Len(t, rows, n)
	for i, row := range rows {
		assert.Equal(t, fmt.Sprint(i), fmt.Sprint(row["id"]))
		assert.Equal(t, fmt.Sprint(base.Add(time.Duration(i)*time.Minute).UnixMilli()), fmt.Sprint(row["at_ms"]))
		assert.Equal(t, "FR", row["country"])
		assert.Equal(t, fmt.Sprint("b", i), row["item"])
		if i%2 == 0 {
			assert.Equal(t, float64(i)+0.5, row["total"])
		} else {
			assert.Nil(t, row["total"])
		}
	}
	// Partitioned by the event time read from "at": 20 minutes, one hour.
	all, err := filepath.Glob(filepath.Join(dir, topic, "*", "*", "*.parquet"))
	require.NoError(t, err)
	hour, err := filepath.Glob(filepath.Join(dir, topic, "dt=2026-11-22", "hr=01", "*.parquet"))
	require.NoError(t, err)
	assert.NotEmpty(t, all)
	assert.Equal(t, all, hour)
}
