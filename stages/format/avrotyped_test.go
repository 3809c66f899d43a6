package format_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/stages/format"
)

// typedSchema has a column of every Arrow type the avro format maps, with
// names Avro does not allow.
var typedSchema = arrow.NewSchema([]arrow.Field{
	{Name: "offset", Type: arrow.PrimitiveTypes.Int64},
	{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "i8", Type: arrow.PrimitiveTypes.Int8},
	{Name: "i16", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
	{Name: "i32", Type: arrow.PrimitiveTypes.Int32},
	{Name: "u8", Type: arrow.PrimitiveTypes.Uint8},
	{Name: "u32", Type: arrow.PrimitiveTypes.Uint32},
	{Name: "u64", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
	{Name: "f32", Type: arrow.PrimitiveTypes.Float32},
	{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "ls", Type: arrow.BinaryTypes.LargeString},
	{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
	{Name: "fsb", Type: &arrow.FixedSizeBinaryType{ByteWidth: 3}, Nullable: true},
	{Name: "dec", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}, Nullable: true},
	{Name: "dec256", Type: &arrow.Decimal256Type{Precision: 40, Scale: 5}},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "day64", Type: arrow.FixedWidthTypes.Date64},
	{Name: "t_ms", Type: arrow.FixedWidthTypes.Time32ms},
	{Name: "t_us", Type: arrow.FixedWidthTypes.Time64us},
	{Name: "ts_s", Type: &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}},
	{Name: "ts_ms", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "ts_us", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
	{Name: "ts_ns", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}},
	{Name: "local_us", Type: &arrow.TimestampType{Unit: arrow.Microsecond}},
	{Name: "addr", Type: arrow.StructOf(
		arrow.Field{Name: "city", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "geo", Type: arrow.StructOf(
			arrow.Field{Name: "lat", Type: arrow.PrimitiveTypes.Float64},
			arrow.Field{Name: "lon", Type: arrow.PrimitiveTypes.Float64},
		), Nullable: true},
	), Nullable: true},
	{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
	{Name: "items", Type: arrow.ListOfNonNullable(arrow.StructOf(
		arrow.Field{Name: "sku", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "qty", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	))},
	{Name: "attrs", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64), Nullable: true},
	{Name: "by_id", Type: arrow.MapOf(arrow.PrimitiveTypes.Int32, arrow.BinaryTypes.String)},
	{Name: "country", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}, Nullable: true},
	{Name: "nothing", Type: arrow.Null, Nullable: true},
	{Name: "user-id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "user_id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "1st", Type: arrow.PrimitiveTypes.Int64},
	{Name: "ünï", Type: arrow.PrimitiveTypes.Int64},
}, &typedMeta)

var typedMeta = arrow.NewMetadata(
	[]string{format.MetaAvroSchema, format.MetaOffsetColumn, "other"},
	[]string{`{"type":"record","name":"Order","fields":[]}`, "offset", "not copied"})

// typedRows are the rows of typedBatch, as arrow-go's JSON reader takes them.
const typedRows = `[
{"offset": 7, "b": true, "i8": -128, "i16": 32767, "i32": -2147483648, "u8": 255, "u32": 4294967295,
 "u64": 18446744073709551615, "f32": 1.5, "f64": -0.25, "s": "héllo", "ls": "large",
 "bin": "AAEC", "fsb": "YWJj", "dec": "-12345.67", "dec256": "123456789012345678901234567890.12345",
 "day": 20000, "day64": 86400000, "t_ms": 3723004, "t_us": 3723004005,
 "ts_s": "2026-01-02T03:04:05Z", "ts_ms": "2026-01-02T03:04:05.678Z", "ts_us": "2026-01-02T03:04:05.678901Z",
 "ts_ns": "2026-01-02T03:04:05.678901234Z", "local_us": "2026-01-02T03:04:05.5",
 "addr": {"city": "Zürich", "geo": {"lat": 47.37, "lon": 8.54}},
 "tags": ["a", null, "c"], "items": [{"sku": "x", "qty": 2}, {"sku": "y", "qty": null}],
 "attrs": [{"key": "k1", "value": 1}, {"key": "k2", "value": null}],
 "by_id": [{"key": -1, "value": "minus one"}],
 "country": "CH", "nothing": null, "user-id": 1, "user_id": 2, "1st": 3, "ünï": 4},
{"offset": 8, "b": null, "i8": 0, "i16": null, "i32": 0, "u8": 0, "u32": 0,
 "u64": null, "f32": 0, "f64": null, "s": null, "ls": "",
 "bin": null, "fsb": null, "dec": null, "dec256": "-0.00001",
 "day": null, "day64": -1, "t_ms": 0, "t_us": 0,
 "ts_s": "1969-12-31T23:59:59Z", "ts_ms": null, "ts_us": "1970-01-01T00:00:00Z",
 "ts_ns": "1970-01-01T00:00:00.000000001Z", "local_us": "1970-01-01T00:00:00",
 "addr": null, "tags": null, "items": [], "attrs": null, "by_id": [],
 "country": null, "nothing": null, "user-id": 0, "user_id": 0, "1st": 0, "ünï": 0},
{"offset": 9, "b": false, "i8": 1, "i16": -1, "i32": 1, "u8": 1, "u32": 1,
 "u64": 9223372036854775808, "f32": -3.25, "f64": 1e300, "s": "", "ls": "x",
 "bin": "", "fsb": "AAAA", "dec": "0.01", "dec256": "0",
 "day": -1, "day64": 0, "t_ms": 1, "t_us": 1,
 "ts_s": "2026-01-02T03:04:05Z", "ts_ms": "1969-12-31T23:59:59.999Z", "ts_us": "2026-01-02T03:04:05.678901Z",
 "ts_ns": "2026-01-02T03:04:05Z", "local_us": "2026-01-02T03:04:05",
 "addr": {"city": "", "geo": null}, "tags": [], "items": [{"sku": "z", "qty": -5}],
 "attrs": [], "by_id": [{"key": 1, "value": "one"}, {"key": 2, "value": "two"}],
 "country": "CH", "nothing": null, "user-id": -1, "user_id": -2, "1st": -3, "ünï": -4}
]`

// typedBatch is typedRows as a record batch.
func typedBatch(t testing.TB, mem memory.Allocator) arrow.RecordBatch {
	t.Helper()
	rec, _, err := array.RecordFromJSON(mem, typedSchema, strings.NewReader(typedRows))
	require.NoError(t, err)
	return rec
}

// batches are record batches in memory, as format.Batches: of schema,
// or of the first batch's schema when nil.
type batches struct {
	schema *arrow.Schema
	list   []arrow.RecordBatch
	err    error
}

func (b *batches) Schema() *arrow.Schema {
	if b.schema == nil && len(b.list) > 0 {
		b.schema = b.list[0].Schema()
	}
	return b.schema
}

func (b *batches) Next() arrow.RecordBatch {
	if len(b.list) == 0 {
		return nil
	}
	r := b.list[0]
	b.list = b.list[1:]
	return r
}

func (b *batches) Err() error { return b.err }

// encodeAvro encodes recs as one avro file with cfg.
func encodeAvroBatches(t testing.TB, cfg format.Config, recs ...arrow.RecordBatch) ([]byte, error) {
	t.Helper()
	f, err := format.New(cfg, format.Settings{})
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = f.Encode(context.Background(), &batches{list: recs}, &buf)
	return buf.Bytes(), err
}
