package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/app/verify"
	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/stages"
	"github.com/sluicehq/sluice/stages/filter"
	"github.com/sluicehq/sluice/stages/parse"
	"github.com/sluicehq/sluice/stages/transform"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/duckdb"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/transport/objstore"
)

// orderSchema is a declared schema with every kind of column.
const orderSchema = `
fields:
  - {name: id, type: int64, nullable: false}
  - {name: action, type: string}
  - {name: amount, type: decimal, precision: 12, scale: 2}
  - {name: at, type: timestamp, unit: ms}
  - {name: day, type: date, path: meta.day}
  - {name: ratio, type: float64}
  - {name: ok, type: bool}
  - name: user
    type: struct
    fields: [{name: id, type: int64}, {name: country, type: string}]
  - {name: tags, type: list, items: {type: string}}
  - {name: attrs, type: map, values: {type: int32}}
  - {name: extra, type: json}
`

// orderJSON is the value of order i: every third has no ratio, user or
// tags (nulls), amounts are strings or numbers.
func orderJSON(i int, at time.Time) []byte {
	if i%3 == 2 {
		return fmt.Appendf(nil, `{"id":%d,"action":"view","amount":%d.5,"at":"%s","meta":{"day":"%s"},"ok":false,"extra":[1,{"a":null}]}`,
			i, i, at.Format(time.RFC3339Nano), at.Format(time.DateOnly))
	}
	return fmt.Appendf(nil, `{"id":%d,"action":"buy","amount":"%d.05","at":%d,"meta":{"day":"%s"},"ratio":%d.25,"ok":true,`+
		`"user":{"id":%d,"country":"FR","ignored":1},"tags":["a","b%d"],"attrs":{"z":1,"a":%d},"extra":"x"}`,
		i, i, at.UnixMilli(), at.Format(time.DateOnly), i, i*10, i, i)
}

// TestDeclaredSchemaTypedParquet: JSON records typed by a declared schema
// land as typed Parquet columns DuckDB reads with the declared types and
// the records' values (decimals, timestamps, dates, structs, lists, maps,
// nulls), beside the renamed envelope columns, partitioned by event time.
func TestDeclaredSchemaTypedParquet(t *testing.T) {
	const topic, n = "orders", 300
	kc := kafkatest.Start(t, 2, topic)
	dir := t.TempDir()
	cfg := testConfig(t, kc.Brokers(), "file://"+dir, topic)
	require.NoError(t, yaml.Unmarshal([]byte(orderSchema), &cfg.Defaults.Schema))
	cfg.Defaults.Parser = parse.Config{Type: parse.TypeJSON, JSON: parse.JSONConfig{TimeField: "at", TimeFormat: "auto"}}
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

	glob := filepath.Join(dir, topic, "**", "*.parquet")
	got := columnTypes(t, glob)
	want := map[string]string{
		"id": "BIGINT", "action": "VARCHAR", "amount": "DECIMAL(12,2)", "at": "TIMESTAMP WITH TIME ZONE",
		"day": "DATE", "ratio": "DOUBLE", "ok": "BOOLEAN", "user": "STRUCT(id BIGINT, country VARCHAR)",
		"tags": "VARCHAR[]", "attrs": "MAP(VARCHAR, INTEGER)", "extra": "VARCHAR",
		"_topic": "VARCHAR", "_partition": "INTEGER", "_offset": "BIGINT", "_timestamp": "TIMESTAMP WITH TIME ZONE",
		"_key": "BLOB", "_headers": "STRUCT(\"key\" VARCHAR, \"value\" BLOB)[]",
		"dt": "DATE", "hr": "VARCHAR", // DuckDB reads the Hive partition directories as columns
	}
	assert.Equal(t, want, got)

	rows := duckdb.Query(t, fmt.Sprintf(`SELECT id, action, CAST(amount AS VARCHAR) AS amount, CAST(epoch_ms("at") AS BIGINT) AS at_ms,
		CAST(day AS VARCHAR) AS day, ratio, ok, user.country AS country, user.id AS uid, tags[2] AS tag2,
		attrs['a'] AS attr_a, CAST(map_keys(attrs) AS VARCHAR) AS keys, extra, _offset, _partition, decode(_key) AS k
		FROM read_parquet('%s') ORDER BY id`, glob))
	require.Len(t, rows, n)
	for i, row := range rows {
		at := base.Add(time.Duration(i) * 37 * time.Second)
		assert.Equal(t, fmt.Sprint(i), fmt.Sprint(row["id"]))
		assert.Equal(t, fmt.Sprint(at.UnixMilli()), fmt.Sprint(row["at_ms"]), "id %d", i)
		assert.Equal(t, at.Format(time.DateOnly), row["day"])
		assert.Equal(t, fmt.Sprint("k", i), row["k"])
		assert.Equal(t, fmt.Sprint(i%2), fmt.Sprint(row["_partition"]))
		assert.Equal(t, fmt.Sprint(i/2), fmt.Sprint(row["_offset"]))
		if i%3 == 2 {
			assert.Equal(t, "view", row["action"])
			assert.Equal(t, fmt.Sprintf("%d.50", i), row["amount"])
			assert.Nil(t, row["ratio"])
			assert.Nil(t, row["country"])
			assert.Nil(t, row["tag2"])
			assert.Equal(t, false, row["ok"])
			assert.Equal(t, `[1,{"a":null}]`, row["extra"])
			continue
		}
		assert.Equal(t, "buy", row["action"])
		assert.Equal(t, fmt.Sprintf("%d.05", i), row["amount"])
		assert.InDelta(t, float64(i)+0.25, row["ratio"], 1e-9)
		assert.Equal(t, "FR", row["country"])
		assert.Equal(t, fmt.Sprint(i*10), fmt.Sprint(row["uid"]))
		assert.Equal(t, fmt.Sprint("b", i), row["tag2"])
		assert.Equal(t, fmt.Sprint(i), fmt.Sprint(row["attr_a"]))
		assert.Equal(t, "[a, z]", row["keys"], "map keys sorted")
		assert.Equal(t, `"x"`, row["extra"])
	}
	// Partitioned by the event time read from "at".
	hours := duckdb.Query(t, fmt.Sprintf(`SELECT count(*) AS n FROM glob('%s')`, glob))
	assert.NotEqual(t, "1", fmt.Sprint(hours[0]["n"]), "more than one file")
	verifyOK(t, st, topic, n)
	// The test harness's reader finds the renamed envelope columns by the
	// file's metadata, and the records exactly once.
	archivetest.RequireExactlyOnce(t, archivetest.ReadAll(t, st), topic, kc.EndOffsets(t, topic))
	files, err := filepath.Glob(filepath.Join(dir, topic, "*", "*", "*.parquet"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		assert.True(t, strings.Contains(filepath.ToSlash(f), "/dt=2026-11-22/hr="), f)
	}
}

// verifyOK runs sluice verify (without the broker) on topic's archive: no
// violation, records offsets stored.
func verifyOK(t *testing.T, st objstore.Store, topic string, records int64) {
	t.Helper()
	rep, err := verify.Run(t.Context(), verify.Config{Topics: []string{topic}},
		verify.Settings{Store: st, TempDir: t.TempDir()})
	require.NoError(t, err)
	var b strings.Builder
	require.NoError(t, rep.WriteText(&b))
	assert.True(t, rep.OK, "sluice verify:\n%s", b.String())
	assert.Equal(t, records, rep.Records, "sluice verify:\n%s", b.String())
}

// TestDeclaredSchemaTypedJSONLines: the same records as typed JSON lines:
// every column under its name with typed values (numbers, decimals as
// numbers, RFC 3339 times, nested objects), which sluice verify reads by
// the configured offset column.
func TestDeclaredSchemaTypedJSONLines(t *testing.T) {
	const topic, n = "orders", 50
	kc := kafkatest.Start(t, 1, topic)
	dir := t.TempDir()
	cfg := testConfig(t, kc.Brokers(), "file://"+dir, topic)
	require.NoError(t, yaml.Unmarshal([]byte(orderSchema), &cfg.Defaults.Schema))
	cfg.Defaults.Format.Type, cfg.Defaults.Format.Compression = "jsonl", "none"
	cfg.Defaults.Format.Columns.Offset = "kafka_offset"
	cfg.Defaults.Format.Columns.Headers = "" // switched off
	require.NoError(t, cfg.Validate())
	st := openStore(t, "file://"+dir, cfg.Destination.S3)
	base := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	recs := make([]kafkatest.Record, n)
	for i := range recs {
		recs[i] = kafkatest.Record{Value: orderJSON(i, base.Add(time.Duration(i)*time.Second)), Timestamp: base}
	}
	kc.Produce(t, topic, recs...)
	r := start(t, cfg, pipelineSettings())
	archivetest.WaitDurable(t, st, topic, kc.EndOffsets(t, topic), 60*time.Second)
	require.NoError(t, r.stop(t))

	files, err := filepath.Glob(filepath.Join(dir, topic, "*", "*", "*.jsonl"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	data, err := os.ReadFile(files[0])
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	require.Len(t, lines, n)
	var row map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &row))
	assert.Equal(t, map[string]any{"id": 1.0, "action": "buy", "amount": 1.05, "at": "2026-11-22T01:00:01.000Z",
		"day": "2026-11-22", "ratio": 1.25, "ok": true, "user": map[string]any{"id": 10.0, "country": "FR"},
		"tags": []any{"a", "b1"}, "attrs": map[string]any{"a": 1.0, "z": 1.0}, "extra": `"x"`,
		"_topic": topic, "_partition": 0.0, "kafka_offset": 1.0, "_timestamp": "2026-11-22T01:00:00.000Z", "_key": nil}, row)
	assert.True(t, strings.HasPrefix(lines[1], `{"id":1,"action":"buy","amount":1.05,"at":"2026-11-22T01:00:01.000Z"`), lines[1])

	rep, err := verify.Run(t.Context(), verify.Config{Topics: []string{topic},
		OffsetColumn: func(string) string { return "kafka_offset" }}, verify.Settings{Store: st, TempDir: t.TempDir()})
	require.NoError(t, err)
	assert.True(t, rep.OK)
	assert.Equal(t, int64(n), rep.Records)
}

// TestInferredSchema: "schema: infer" types each file by its own values:
// fields in order of appearance, nullable, int widened to double, a
// conflict kept as JSON text, nested objects as structs, arrays as lists,
// a field named like an envelope column renamed; DuckDB reads it.
func TestInferredSchema(t *testing.T) {
	const topic = "events"
	kc := kafkatest.Start(t, 1, topic)
	dir := t.TempDir()
	cfg := testConfig(t, kc.Brokers(), "file://"+dir, topic)
	require.NoError(t, yaml.Unmarshal([]byte(`infer`), &cfg.Defaults.Schema))
	require.NoError(t, cfg.Validate())
	st := openStore(t, "file://"+dir, cfg.Destination.S3)
	base := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	values := []string{
		`{"id":1,"price":10,"mixed":"a","user":{"name":"ann"},"tags":["x"],"empty":{},"_offset":"mine","ID":"upper"}`,
		`{"id":2,"price":10.5,"mixed":7,"user":{"name":"bob","age":30},"tags":[],"late":true}`,
		`{"id":3,"price":null,"mixed":{"k":[1]},"user":null,"tags":["y","z"]}`,
	}
	recs := make([]kafkatest.Record, len(values))
	for i, v := range values {
		recs[i] = kafkatest.Record{Value: []byte(v), Timestamp: base}
	}
	kc.Produce(t, topic, recs...)
	r := start(t, cfg, pipelineSettings())
	archivetest.WaitDurable(t, st, topic, kc.EndOffsets(t, topic), 60*time.Second)
	require.NoError(t, r.stop(t))
	verifyOK(t, st, topic, int64(len(values)))

	glob := filepath.Join(dir, topic, "**", "*.parquet")
	types := duckdb.Query(t, fmt.Sprintf(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('%s', hive_partitioning=false))`, glob))
	var order []string
	got := map[string]string{}
	for _, row := range types {
		order = append(order, row["column_name"].(string))
		got[row["column_name"].(string)] = row["column_type"].(string)
	}
	assert.Equal(t, []string{"id", "price", "mixed", "user", "tags", "empty", "_offset_value", "ID_2", "late",
		"_topic", "_partition", "_offset", "_timestamp", "_key", "_headers"}, order)
	assert.Equal(t, "BIGINT", got["id"])
	assert.Equal(t, "DOUBLE", got["price"], "int widens to double")
	assert.Equal(t, "VARCHAR", got["mixed"], "a conflict is text")
	assert.Equal(t, "STRUCT(\"name\" VARCHAR, age BIGINT)", got["user"])
	assert.Equal(t, "VARCHAR[]", got["tags"])
	assert.Equal(t, "VARCHAR", got["empty"], "an empty object is text")
	assert.Equal(t, "BOOLEAN", got["late"])
	rows := duckdb.Query(t, fmt.Sprintf(`SELECT id, price, mixed, user.age AS age, len(tags) AS ntags, empty, _offset_value, late, _offset
		FROM read_parquet('%s') ORDER BY id`, glob))
	require.Len(t, rows, 3)
	assert.Equal(t, "a", rows[0]["mixed"])
	assert.Equal(t, "7", rows[1]["mixed"])
	assert.Equal(t, `{"k":[1]}`, rows[2]["mixed"])
	assert.Nil(t, rows[0]["age"])
	assert.Equal(t, "30", fmt.Sprint(rows[1]["age"]))
	assert.Equal(t, 10.5, rows[1]["price"])
	assert.Nil(t, rows[2]["price"])
	assert.Equal(t, "{}", rows[0]["empty"])
	assert.Equal(t, "mine", rows[0]["_offset_value"])
	assert.Equal(t, "0", fmt.Sprint(rows[1]["ntags"]))
	assert.Equal(t, "2", fmt.Sprint(rows[2]["_offset"]))
}

// columnTypes returns the column types DuckDB reads from the Parquet files
// glob matches (with the Hive partition columns), by column name.
func columnTypes(t *testing.T, glob string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, row := range duckdb.Query(t, fmt.Sprintf(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('%s'))`, glob)) {
		got[row["column_name"].(string)] = row["column_type"].(string)
	}
	return got
}

// TestTypedRecordsThroughStages: the filter and transform stages read a
// typed record's values (int64, decimals, timestamps) and set fields that
// are converted to the schema's types, so the typed columns keep their
// types; a value the schema cannot take sends the record to the dead-letter
// path, never into a file.
func TestTypedRecordsThroughStages(t *testing.T) {
	const topic, n = "orders", 40
	kc := kafkatest.Start(t, 1, topic)
	dir := t.TempDir()
	cfg := testConfig(t, kc.Brokers(), "file://"+dir, topic)
	require.NoError(t, yaml.Unmarshal([]byte(`
fields:
  - {name: id, type: int64, nullable: false}
  - {name: price, type: decimal, precision: 10, scale: 2}
  - {name: doubled, type: decimal, precision: 10, scale: 2}
  - {name: at, type: timestamp, unit: ms}
  - {name: day, type: string}
`), &cfg.Defaults.Schema))
	cfg.Defaults.Stages = []stages.Spec{
		{Name: "filter", Options: conf.OptionsOf(&filter.Options{KeepIf: "id % 4 != 1", OnError: "fail"})},
		{Name: "transform", Options: conf.OptionsOf(&transform.Options{OnError: "fail", Set: map[string]string{
			"doubled": `id == 38 ? dyn("not a number") : dyn(price * 2.0)`, "day": "at.getDate()"}})},
	}
	require.NoError(t, cfg.Validate())
	st := openStore(t, "file://"+dir, cfg.Destination.S3)
	base := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	recs := make([]kafkatest.Record, n)
	for i := range recs {
		recs[i] = kafkatest.Record{Value: fmt.Appendf(nil, `{"id":%d,"price":"%d.25","at":%d}`, i, i, base.UnixMilli()), Timestamp: base}
	}
	kc.Produce(t, topic, recs...)
	r := start(t, cfg, pipelineSettings())
	select {
	case err := <-r.done:
		r.done <- err // for Cleanup
		t.Fatalf("sluice stopped: %v", err)
	case <-time.After(5 * time.Second):
	}
	archivetest.WaitDurable(t, st, topic, kc.EndOffsets(t, topic), 60*time.Second)
	require.NoError(t, r.stop(t))

	dead := archivetest.ReadRejected(t, st)
	for _, rj := range dead[topic+"/0"] {
		if rj.Record.Offset != 38 {
			t.Errorf("offset %d dead-lettered: %s", rj.Record.Offset, rj.Reason)
		}
	}
	glob := filepath.Join(dir, topic, "**", "*.parquet")
	got := columnTypes(t, glob)
	assert.Equal(t, "DECIMAL(10,2)", got["doubled"])
	assert.Equal(t, "VARCHAR", got["day"])
	rows := duckdb.Query(t, fmt.Sprintf(`SELECT id, CAST(doubled AS VARCHAR) AS doubled, day FROM read_parquet('%s') ORDER BY id`, glob))
	require.Len(t, rows, n-n/4-1, "a quarter filtered, id 38 dead-lettered")
	for _, row := range rows {
		var id int
		_, err := fmt.Sscan(fmt.Sprint(row["id"]), &id)
		require.NoError(t, err)
		assert.NotEqual(t, 1, id%4)
		assert.Equal(t, fmt.Sprintf("%d.50", 2*id), row["doubled"])
		assert.Equal(t, "22", row["day"], "the day of the month, in UTC")
	}
	require.Len(t, dead[topic+"/0"], 1)
	assert.Equal(t, int64(38), dead[topic+"/0"][0].Record.Offset)
	assert.Contains(t, dead[topic+"/0"][0].Reason, "doubled")
}
