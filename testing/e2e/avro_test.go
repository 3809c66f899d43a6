package e2e

import (
	"encoding/base64"
	"fmt"
	"math/big"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/stages/parse"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/duckdb"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/testing/schemaregistry"
	"github.com/sluicehq/sluice/testing/srproducer"
	"github.com/sluicehq/sluice/transport/schemareg"
)

// Two versions of a payment schema; the second adds a nullable field.
const (
	paymentV1 = `{"type":"record","name":"Payment","namespace":"shop","fields":[
		{"name":"id","type":"long"},
		{"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
		{"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}},
		{"name":"method","type":{"type":"enum","name":"Method","symbols":["CARD","CASH"]}},
		{"name":"payer","type":{"type":"record","name":"Payer","fields":[{"name":"name","type":"string"},{"name":"country","type":["null","string"]}]}},
		{"name":"tags","type":{"type":"array","items":"string"}}]}`
	paymentV2 = `{"type":"record","name":"Payment","namespace":"shop","fields":[
		{"name":"id","type":"long"},
		{"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
		{"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}},
		{"name":"method","type":{"type":"enum","name":"Method","symbols":["CARD","CASH"]}},
		{"name":"payer","type":{"type":"record","name":"Payer","fields":[{"name":"name","type":"string"},{"name":"country","type":["null","string"]}]}},
		{"name":"tags","type":{"type":"array","items":"string"}},
		{"name":"email","type":["null","string"],"default":null}]}`
)

// payment is record i as produce.mjs takes it: amount i + 0.25 (cents as
// two's-complement bytes), every other payer without a country.
func payment(i int, at time.Time, email bool) map[string]any {
	cents := big.NewInt(int64(i)*100 + 25).Bytes()
	if cents[0]&0x80 != 0 {
		cents = append([]byte{0}, cents...)
	}
	var country any
	if i%2 == 0 {
		country = "FR"
	}
	p := map[string]any{"id": i, "at": at.UnixMilli(), "amount": map[string]string{"$bytes": base64.StdEncoding.EncodeToString(cents)},
		"method": "CARD", "payer": map[string]any{"name": fmt.Sprint("p", i), "country": country}, "tags": []string{"t", fmt.Sprint(i)}}
	if email {
		p["email"] = fmt.Sprintf("p%d@example.com", i)
	}
	return p
}

// TestAvroRegistryTypedParquet: a Node producer registers two versions of
// an Avro schema in the schemaregistry process and produces to kfake;
// sluice, with the avro parser and the registry, writes typed Parquet: one
// file per schema, which DuckDB reads with the Avro types and values.
func TestAvroRegistryTypedParquet(t *testing.T) {
	const topic = "payments"
	reg := schemaregistry.Start(t, schemaregistry.Options{})
	kc := kafkatest.Start(t, 1, topic)
	base := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	var v1, v2 []any
	for i := range 5 {
		v1 = append(v1, payment(i, base.Add(time.Duration(i)*time.Minute), false))
		v2 = append(v2, payment(i+5, base.Add(time.Duration(i+5)*time.Minute), true))
	}
	p0 := int32(0)
	r1 := srproducer.Produce(t, srproducer.Options{Registry: reg.URL(), Brokers: kc.Brokers(), Topic: topic, Partition: &p0,
		Subject: topic + "-value", Schema: paymentV1, Records: v1})
	r2 := srproducer.Produce(t, srproducer.Options{Registry: reg.URL(), Brokers: kc.Brokers(), Topic: topic, Partition: &p0,
		Subject: topic + "-value", Schema: paymentV2, Records: v2})
	require.NotEqual(t, r1.ID, r2.ID)

	dir := t.TempDir()
	cfg := testConfig(t, kc.Brokers(), "file://"+dir, topic)
	cfg.SchemaRegistry = schemareg.Config{URL: schemareg.URLs{reg.URL()}, Timeout: 5 * time.Second}
	cfg.Defaults.Parser = parse.Config{Type: parse.TypeAvro, JSON: cfg.Defaults.Parser.JSON,
		Options: conf.OptionsOf(&parse.AvroConfig{Wire: parse.WireConfluent}),
		Time:    parse.TimeConfig{Source: parse.SourceField, Field: "at"}}
	require.NoError(t, cfg.Validate())
	st := openStore(t, "file://"+dir, cfg.Destination.S3)
	r := start(t, cfg, pipelineSettings())
	archivetest.WaitDurable(t, st, topic, kc.EndOffsets(t, topic), 60*time.Second)
	require.NoError(t, r.stop(t))

	files, err := filepath.Glob(filepath.Join(dir, topic, "*", "*", "*.parquet"))
	require.NoError(t, err)
	// The round's first schema names its file <offset>.parquet, a later
	// one <offset>.1.parquet.
	sort.Slice(files, func(i, j int) bool { return len(files[i]) < len(files[j]) })
	require.Len(t, files, 2, "one file per schema: %v", files)
	require.True(t, strings.HasSuffix(files[1], ".1.parquet"), files[1])
	for i, f := range files {
		cols := map[string]string{}
		for _, row := range duckdb.Query(t, fmt.Sprintf(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('%s', hive_partitioning=false))`, f)) {
			cols[row["column_name"].(string)] = row["column_type"].(string)
		}
		want := map[string]string{"id": "BIGINT", "at": "TIMESTAMP WITH TIME ZONE", "amount": "DECIMAL(12,2)",
			"method": "VARCHAR", "payer": "STRUCT(\"name\" VARCHAR, country VARCHAR)", "tags": "VARCHAR[]"}
		if i == 1 {
			want["email"] = "VARCHAR"
		}
		for c, typ := range want {
			assert.Equal(t, typ, cols[c], "%s: column %s", filepath.Base(f), c)
		}
		assert.Equal(t, i == 1, cols["email"] != "", "%s: email only in the second schema's file", filepath.Base(f))
	}

	glob := filepath.Join(dir, topic, "**", "*.parquet")
	rows := duckdb.Query(t, fmt.Sprintf(`SELECT id, CAST(epoch_ms("at") AS BIGINT) AS at_ms, CAST(amount AS VARCHAR) AS amount,
		method, payer.name AS name, payer.country AS country, tags[2] AS tag2, email, _offset
		FROM read_parquet('%s', union_by_name=true) ORDER BY id`, glob))
	require.Len(t, rows, 10)
	for i, row := range rows {
		assert.Equal(t, fmt.Sprint(i), fmt.Sprint(row["id"]))
		assert.Equal(t, fmt.Sprint(base.Add(time.Duration(i)*time.Minute).UnixMilli()), fmt.Sprint(row["at_ms"]))
		assert.Equal(t, fmt.Sprintf("%d.25", i), row["amount"])
		assert.Equal(t, "CARD", row["method"])
		assert.Equal(t, fmt.Sprint("p", i), row["name"])
		assert.Equal(t, fmt.Sprint(i), row["tag2"])
		assert.Equal(t, fmt.Sprint(i), fmt.Sprint(row["_offset"]))
		if i%2 == 0 {
			assert.Equal(t, "FR", row["country"])
		} else {
			assert.Nil(t, row["country"])
		}
		if i >= 5 {
			assert.Equal(t, fmt.Sprintf("p%d@example.com", i), row["email"])
		} else {
			assert.Nil(t, row["email"])
		}
	}
}
