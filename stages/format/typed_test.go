package format_test

import (
	"bytes"
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/schema"
	"github.com/sluicehq/sluice/stages/format"
)

// everyType is a schema with a column of every type typed values travel in.
var everyType = &model.Schema{ID: "test:every", Fields: []arrow.Field{
	{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
	{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "u16", Type: arrow.PrimitiveTypes.Uint16, Nullable: true},
	{Name: "u64", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
	{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
	{Name: "fixed", Type: &arrow.FixedSizeBinaryType{ByteWidth: 2}, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "tod", Type: arrow.FixedWidthTypes.Time64us, Nullable: true},
	{Name: "dec", Type: &arrow.Decimal128Type{Precision: 6, Scale: 2}, Nullable: true},
	{Name: "big", Type: &arrow.Decimal256Type{Precision: 40, Scale: 0}, Nullable: true},
	{Name: "st", Type: arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true}), Nullable: true},
	{Name: "l", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
	{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64), Nullable: true},
}}

// goodValues holds a value of each column's Go type.
func goodValues() map[string]any {
	big40, _ := new(big.Rat).SetString("1234567890123456789012345678901234567890")
	return map[string]any{"b": true, "i8": int64(-7), "i32": int64(1 << 30), "i64": int64(-1 << 62), "u16": uint64(65535),
		"u64": uint64(1 << 63), "f32": 1.5, "f64": -2.25, "s": "héllo", "bin": []byte{0, 1}, "fixed": []byte{9, 9},
		"ts": time.Date(2026, 11, 22, 1, 2, 3, 456789123, time.UTC), "day": time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC),
		"tod": 90 * time.Minute, "dec": big.NewRat(12345, 100), "big": big40,
		"st": map[string]any{"x": int64(5)}, "l": []any{"a", nil}, "m": map[string]any{"z": int64(1), "a": int64(2)}}
}

// TestTypedValuesEveryType: typed values of every column type pass
// schema.Check, spill, and come out of Parquet and JSON lines as they went
// in; values of the wrong Go type (which Check refuses) become nulls
// instead of panicking or shifting a column.
func TestTypedValuesEveryType(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	good := goodValues()
	require.NoError(t, schema.Check(everyType, good))
	bad := map[string]any{"b": "yes", "i8": int64(300), "i32": 7, "i64": 1.5, "u16": int64(1), "u64": -1, "f32": "x",
		"f64": int64(2), "s": []byte("x"), "bin": "x", "fixed": []byte{1}, "ts": "2026", "day": 3, "tod": 25 * time.Hour,
		"dec": big.NewRat(1, 3), "big": 1.0, "st": "x", "l": "x", "m": []any{}}
	for name, v := range bad {
		require.Error(t, schema.Check(everyType, map[string]any{name: v}), name)
	}

	layout, err := format.NewLayout(format.DefaultColumns(), everyType)
	require.NoError(t, err)
	recs := make([]model.Record, 3)
	for i := range recs {
		recs[i] = model.Record{Topic: "t", Partition: 1, Offset: int64(10 + i), Timestamp: ts(1000), Value: []byte("{}")}
	}
	recs[0].SetTyped(everyType, good)
	recs[1].SetTyped(everyType, bad)
	recs[2].SetTyped(everyType, map[string]any{})
	path := filepath.Join(t.TempDir(), "typed.arrow")
	w, err := format.NewLayoutSpillWriter(path, layout, mem)
	require.NoError(t, err)
	for i := range recs {
		w.Append(&recs[i])
		require.NoError(t, w.Flush()) // a batch per record: encoding must not depend on it
	}
	require.NoError(t, w.Close())

	var out bytes.Buffer
	_, err = format.Encode(t.Context(), path, &out, format.Config{Type: format.TypeJSONL, Compression: format.CompressionNone}, mem)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 3)
	assert.Equal(t, `{"b":true,"i8":-7,"i32":1073741824,"i64":-4611686018427387904,"u16":65535,"u64":9223372036854775808,`+
		`"f32":1.5,"f64":-2.25,"s":"héllo","bin":"AAE=","fixed":"CQk=","ts":"2026-11-22T01:02:03.456789123Z","day":"2026-11-22",`+
		`"tod":"01:30:00.000000","dec":123.45,"big":1234567890123456789012345678901234567890,"st":{"x":5},"l":["a",null],"m":{"a":2,"z":1},`+
		`"_topic":"t","_partition":1,"_offset":10,"_timestamp":"1970-01-01T00:00:01.000Z","_key":null,"_headers":[]}`, lines[0])
	for _, l := range lines[1:] {
		assert.True(t, strings.HasPrefix(l, `{"b":null,"i8":null,"i32":null,"i64":null,"u16":null,"u64":null,"f32":null,"f64":null,"s":null,`), l)
		assert.Contains(t, l, `"m":null,"_topic":"t"`)
	}

	out.Reset()
	_, err = format.Encode(t.Context(), path, &out, format.Config{Type: format.TypeParquet}, mem)
	require.NoError(t, err)
	rdr, err := file.NewParquetReader(bytes.NewReader(out.Bytes()))
	require.NoError(t, err)
	defer rdr.Close()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	require.NoError(t, err)
	got, err := fr.Schema()
	require.NoError(t, err)
	tsField, ok := got.FieldsByName("ts")
	require.True(t, ok)
	assert.Equal(t, arrow.Microsecond, tsField[0].Type.(*arrow.TimestampType).Unit,
		"a file with nanosecond columns is written in microseconds (Spark, Athena)")
	decField, _ := got.FieldsByName("dec")
	assert.Equal(t, "decimal(6, 2)", decField[0].Type.String())
	assert.Equal(t, int64(3), rdr.NumRows())
}

// TestTypedDictionaries: a typed file gives a dictionary to the string
// columns whose values repeat in its first chunk, and writes the others
// (unique strings, numbers) plain.
func TestTypedDictionaries(t *testing.T) {
	s := &model.Schema{ID: "test:dict", Fields: []arrow.Field{
		{Name: "event", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "id", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}}
	layout, err := format.NewLayout(format.DefaultColumns(), s)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "dict.arrow")
	w, err := format.NewLayoutSpillWriter(path, layout, memory.DefaultAllocator)
	require.NoError(t, err)
	for i := range 5000 {
		r := model.Record{Topic: "t", Offset: int64(i), Value: []byte("{}")}
		r.SetTyped(s, map[string]any{"event": []string{"view", "buy", "search"}[i%3], "id": fmt.Sprintf("id-%d", i), "n": int64(i % 7)})
		w.Append(&r)
	}
	require.NoError(t, w.Close())
	var out bytes.Buffer
	_, err = format.Encode(t.Context(), path, &out, format.Config{Type: format.TypeParquet}, memory.DefaultAllocator)
	require.NoError(t, err)
	rdr, err := file.NewParquetReader(bytes.NewReader(out.Bytes()))
	require.NoError(t, err)
	defer rdr.Close()
	dict := map[string]bool{}
	rg := rdr.MetaData().RowGroup(0)
	for i := range rg.NumColumns() {
		cc, err := rg.ColumnChunk(i)
		require.NoError(t, err)
		dict[cc.PathInSchema().String()] = cc.HasDictionaryPage()
	}
	assert.True(t, dict["event"], "three values repeat")
	assert.False(t, dict["id"], "unique values")
	assert.False(t, dict["n"], "numbers are written plain")
	assert.True(t, dict["_topic"], "the envelope's topic repeats too")
}
