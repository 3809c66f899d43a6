package format_test

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/format"
	"github.com/sluicehq/sluice/testing/duckdb"
)

// TestParquetReadByDuckDB reads the Parquet files with an independent
// implementation.
func TestParquetReadByDuckDB(t *testing.T) {
	recs := append(edgeRecords(), genRecords(2000, 13, 40)...)
	var sum int64
	for _, r := range recs {
		sum += r.Offset
	}
	for _, compression := range []string{format.CompressionZstd, format.CompressionSnappy, format.CompressionGzip, format.CompressionNone} {
		t.Run(compression, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			dir := t.TempDir()
			out := encodeFile(t, writeSpill(t, dir, recs, 333, mem), format.Config{Type: format.TypeParquet, Compression: compression}, mem)
			path := filepath.Join(dir, "out.parquet")
			require.NoError(t, os.WriteFile(path, out, 0o600))
			from := fmt.Sprintf("read_parquet('%s')", path)

			agg := duckdb.Query(t, `SELECT count(*) AS n, sum("offset")::VARCHAR AS s,
				typeof(any_value("timestamp")) AS tt, typeof(any_value(key)) AS kt, typeof(any_value(headers)) AS ht
				FROM `+from)
			require.Len(t, agg, 1)
			assert.Equal(t, map[string]any{
				"n": fmt.Sprint(len(recs)), "s": fmt.Sprint(sum), "tt": "TIMESTAMP WITH TIME ZONE",
				"kt": "BLOB", "ht": "STRUCT(\"key\" VARCHAR, \"value\" BLOB)[]",
			}, agg[0])

			rows := duckdb.Query(t, `SELECT topic, "partition", "offset"::VARCHAR AS "offset", epoch_ms("timestamp")::VARCHAR AS ms,
				key IS NULL AS key_null, hex(key) AS key, value IS NULL AS value_null, hex(value) AS value,
				list_transform(headers, h -> hex(h.key) || '=' || coalesce(hex(h.value), 'NULL')) AS headers
				FROM `+from+fmt.Sprintf(` WHERE "offset" < %d ORDER BY "offset"`, 1_000_000))
			edge := stored(edgeRecords())
			require.Len(t, rows, len(edge))
			for i, r := range edge {
				assert.Equal(t, duckRow(r), rows[i], "record at offset %d", r.Offset)
			}
		})
	}
}

// duckRow is what the query above returns for r.
func duckRow(r model.Record) map[string]any {
	hx := func(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }
	headers := []any{}
	for _, h := range r.Headers {
		v := "NULL"
		if h.Value != nil {
			v = hx(h.Value)
		}
		headers = append(headers, hx([]byte(h.Key))+"="+v)
	}
	nullable := func(b []byte) any {
		if b == nil {
			return nil
		}
		return hx(b)
	}
	return map[string]any{
		"topic": r.Topic, "partition": float64(r.Partition), "offset": fmt.Sprint(r.Offset),
		"ms": fmt.Sprint(r.Timestamp.UnixMilli()), "key_null": r.Key == nil, "key": nullable(r.Key),
		"value_null": r.Value == nil, "value": nullable(r.Value), "headers": headers,
	}
}
