package format_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/hamba/avro/v2/ocf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/stages/format"
)

// avroConfigs are the avro format's compressions.
var avroConfigs = []format.Config{
	{Type: format.TypeAvro, Compression: format.CompressionDeflate},
	{Type: format.TypeAvro, Compression: format.CompressionZstd, Level: format.LevelBetter},
	{Type: format.TypeAvro, Compression: format.CompressionSnappy},
	{Type: format.TypeAvro, Compression: format.CompressionNone},
}

// readAvroGeneric decodes an avro file with hamba/avro into maps, with
// values made comparable by plain (see plain), and returns its metadata.
func readAvroGeneric(t testing.TB, data []byte) ([]map[string]any, map[string][]byte) {
	t.Helper()
	dec, err := ocf.NewDecoder(bytes.NewReader(data))
	require.NoError(t, err)
	defer dec.Close()
	var rows []map[string]any
	for dec.HasNext() {
		var m map[string]any
		require.NoError(t, dec.Decode(&m))
		rows = append(rows, plain(m).(map[string]any))
	}
	require.NoError(t, dec.Error())
	return rows, dec.Metadata()
}

// plain replaces the values hamba/avro decodes that do not compare well:
// decimals become strings, times RFC 3339 in UTC, the one-entry maps a
// union's named branch decodes to its value, fixed arrays slices.
func plain(v any) any {
	switch v := v.(type) {
	case *big.Rat:
		return v.FloatString(5)
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	case [3]byte:
		return v[:]
	case []any:
		for i := range v {
			v[i] = plain(v[i])
		}
	case map[string]any:
		if len(v) == 1 {
			for k, inner := range v {
				if k == "map" || k == "array" || len(k) > 7 && k[:7] == "sluice." {
					return plain(inner)
				}
			}
		}
		for k := range v {
			v[k] = plain(v[k])
		}
	}
	return v
}

func TestAvroTypedRoundTrip(t *testing.T) {
	for _, cfg := range avroConfigs {
		t.Run(cfgName(cfg), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rec := typedBatch(t, mem)
			defer rec.Release()
			data, err := encodeAvroBatches(t, cfg, rec)
			require.NoError(t, err)

			rows, meta := readAvroGeneric(t, data)
			require.Len(t, rows, 3)
			assert.Equal(t, `{"type":"record","name":"Order","fields":[]}`, string(meta[format.MetaAvroSchema]))
			assert.Equal(t, "offset", string(meta[format.MetaOffsetColumn]))
			assert.NotContains(t, meta, "other")
			codec := map[string]string{"deflate": "deflate", "zstd": "zstandard", "snappy": "snappy", "none": "null"}
			assert.Equal(t, codec[cfg.Compression], string(meta["avro.codec"]))

			want := typedWant()
			for i := range want {
				assert.Equal(t, want[i], rows[i], "row %d", i)
			}
		})
	}
}

// typedWant is typedRows as read back through hamba/avro and plain.
func typedWant() []map[string]any {
	return []map[string]any{{
		"offset": int64(7), "b": true, "i8": -128, "i16": 32767, "i32": -2147483648, "u8": 255, "u32": int64(4294967295),
		"u64": "18446744073709551615.00000", "f32": float32(1.5), "f64": -0.25, "s": "héllo", "ls": "large",
		"bin": []byte{0, 1, 2}, "fsb": []byte("abc"), "dec": "-12345.67000", "dec256": "123456789012345678901234567890.12345",
		"day": "2024-10-04T00:00:00Z", "day64": "1970-01-02T00:00:00Z",
		"t_ms": 3723004 * time.Millisecond, "t_us": 3723004005 * time.Microsecond,
		"ts_s": "2026-01-02T03:04:05Z", "ts_ms": "2026-01-02T03:04:05.678Z", "ts_us": "2026-01-02T03:04:05.678901Z",
		"ts_ns": int64(1767323045678901234), "local_us": "2026-01-02T03:04:05.5Z",
		"addr":    map[string]any{"city": "Zürich", "geo": map[string]any{"lat": 47.37, "lon": 8.54}},
		"tags":    []any{"a", nil, "c"},
		"items":   []any{map[string]any{"sku": "x", "qty": 2}, map[string]any{"sku": "y", "qty": nil}},
		"attrs":   map[string]any{"k1": int64(1), "k2": nil},
		"by_id":   []any{map[string]any{"key": -1, "value": "minus one"}},
		"country": "CH", "nothing": nil, "user_id_2": int64(1), "user_id": int64(2), "_1st": int64(3), "_n_": int64(4),
	}, {
		"offset": int64(8), "b": nil, "i8": 0, "i16": nil, "i32": 0, "u8": 0, "u32": int64(0),
		"u64": nil, "f32": float32(0), "f64": nil, "s": nil, "ls": "",
		"bin": nil, "fsb": nil, "dec": nil, "dec256": "-0.00001",
		"day": nil, "day64": "1969-12-31T00:00:00Z", "t_ms": time.Duration(0), "t_us": time.Duration(0),
		"ts_s": "1969-12-31T23:59:59Z", "ts_ms": nil, "ts_us": "1970-01-01T00:00:00Z",
		"ts_ns": int64(1), "local_us": "1970-01-01T00:00:00Z",
		"addr": nil, "tags": nil, "items": []any{}, "attrs": nil, "by_id": []any{},
		"country": nil, "nothing": nil, "user_id_2": int64(0), "user_id": int64(0), "_1st": int64(0), "_n_": int64(0),
	}, {
		"offset": int64(9), "b": false, "i8": 1, "i16": -1, "i32": 1, "u8": 1, "u32": int64(1),
		"u64": "9223372036854775808.00000", "f32": float32(-3.25), "f64": 1e300, "s": "", "ls": "x",
		"bin": []byte{}, "fsb": []byte{0, 0, 0}, "dec": "0.01000", "dec256": "0.00000",
		"day": "1969-12-31T00:00:00Z", "day64": "1970-01-01T00:00:00Z", "t_ms": time.Millisecond, "t_us": time.Microsecond,
		"ts_s": "2026-01-02T03:04:05Z", "ts_ms": "1969-12-31T23:59:59.999Z", "ts_us": "2026-01-02T03:04:05.678901Z",
		"ts_ns": int64(1767323045000000000), "local_us": "2026-01-02T03:04:05Z",
		"addr": map[string]any{"city": "", "geo": nil}, "tags": []any{}, "items": []any{map[string]any{"sku": "z", "qty": -5}},
		"attrs": map[string]any{}, "by_id": []any{map[string]any{"key": 1, "value": "one"}, map[string]any{"key": 2, "value": "two"}},
		"country": "CH", "nothing": nil, "user_id_2": int64(-1), "user_id": int64(-2), "_1st": int64(-3), "_n_": int64(-4),
	}}
}

// TestAvroSchemaNames checks the writer schema's names: renamed fields
// keep their Arrow name, nested types are named by path.
func TestAvroSchemaNames(t *testing.T) {
	rec := typedBatch(t, memory.NewGoAllocator())
	defer rec.Release()
	data, err := encodeAvroBatches(t, format.Config{Type: format.TypeAvro}, rec)
	require.NoError(t, err)
	_, meta := readAvroGeneric(t, data)
	var schema struct {
		Name   string `json:"name"`
		Fields []struct {
			Name  string          `json:"name"`
			Type  json.RawMessage `json:"type"`
			Arrow string          `json:"sluice.name"`
		} `json:"fields"`
	}
	require.NoError(t, json.Unmarshal(meta["avro.schema"], &schema))
	assert.Equal(t, "sluice.Row", schema.Name)
	renamed := map[string]string{}
	types := map[string]string{}
	for _, f := range schema.Fields {
		if f.Arrow != "" {
			renamed[f.Arrow] = f.Name
		}
		types[f.Name] = string(f.Type)
	}
	assert.Equal(t, map[string]string{"user-id": "user_id_2", "1st": "_1st", "ünï": "_n_"}, renamed)
	assert.Contains(t, types["addr"], `"name":"sluice.addr.Record"`)
	assert.Contains(t, types["addr"], `"name":"sluice.addr.geo.Record"`)
	assert.Contains(t, types["items"], `"name":"sluice.items.item.Record"`)
	assert.Contains(t, types["fsb"], `"name":"sluice.fsb.Fixed"`)
	assert.Equal(t, `{"type":"long","logicalType":"timestamp-nanos"}`, types["ts_ns"])
}

// cut returns rec's rows as batches of the given sizes, the last batch
// holding the rest.
func cut(rec arrow.RecordBatch, sizes ...int64) []arrow.RecordBatch {
	var out []arrow.RecordBatch
	var at int64
	for _, n := range sizes {
		n = min(n, rec.NumRows()-at)
		out = append(out, rec.NewSlice(at, at+n))
		at += n
	}
	if at < rec.NumRows() {
		out = append(out, rec.NewSlice(at, rec.NumRows()))
	}
	return out
}

// repeated is rec's rows n times over, as one batch.
func repeated(t testing.TB, rec arrow.RecordBatch, n int) arrow.RecordBatch {
	t.Helper()
	parts := make([]arrow.RecordBatch, n)
	for i := range parts {
		parts[i] = rec
	}
	tbl := array.NewTableFromRecords(rec.Schema(), parts)
	defer tbl.Release()
	cols := make([]arrow.Array, tbl.NumCols())
	for i := range cols {
		joined, err := array.Concatenate(tbl.Column(i).Data().Chunks(), memory.NewGoAllocator())
		require.NoError(t, err)
		defer joined.Release()
		cols[i] = joined
	}
	return array.NewRecordBatch(rec.Schema(), cols, tbl.NumRows())
}

// syncCount is how often the file's sync marker occurs: one for the header
// and one per block.
func syncCount(data []byte) int {
	n := headerLen(data)
	if n < 0 {
		return -1
	}
	return bytes.Count(data, data[n-16:n])
}

// headerLen is the length of the file's header: its magic, metadata and
// sync, found as the first 16 bytes equal to the SHA-256 of what precedes.
func headerLen(data []byte) int {
	for end := 4; end+16 <= len(data); end++ {
		sum := sha256.Sum256(data[:end])
		if bytes.Equal(sum[:16], data[end:end+16]) {
			return end + 16
		}
	}
	return -1
}

// TestAvroDeterministicCuts encodes the same rows cut into batches in
// different ways, across block boundaries, and wants the same bytes.
func TestAvroDeterministicCuts(t *testing.T) {
	small := typedBatch(t, memory.NewGoAllocator())
	defer small.Release()
	big := repeated(t, small, 8000) // 24,000 rows, about 3 MB: several blocks
	defer big.Release()
	for _, cfg := range avroConfigs {
		t.Run(cfgName(cfg), func(t *testing.T) {
			var first []byte
			for _, sizes := range [][]int64{nil, {1, 2, 3, 4097}, {7000, 1}, {12_000}} {
				parts := cut(big, sizes...)
				data, err := encodeAvroBatches(t, cfg, parts...)
				for _, p := range parts {
					p.Release()
				}
				require.NoError(t, err)
				if first == nil {
					first = data
					rows, _ := readAvroGeneric(t, data)
					require.Len(t, rows, int(big.NumRows()))
					assert.Equal(t, typedWant()[2], rows[23_999])
					assert.GreaterOrEqual(t, syncCount(data), 3, "header and two blocks or more")
					continue
				}
				require.True(t, bytes.Equal(first, data), "cut %v: %d bytes differ from %d", sizes, len(data), len(first))
			}
		})
	}
}

// TestAvroBlocksBySize cuts blocks by their bytes: large values make
// blocks of fewer rows, the same for every batch cutting.
func TestAvroBlocksBySize(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	recs := genRecords(3000, 9, 1000) // about 3 MB
	dir := t.TempDir()
	cfg := format.Config{Type: format.TypeAvro, Compression: format.CompressionNone}
	a := encodeFile(t, writeSpill(t, dir, recs, 0, mem), cfg, mem)
	b := encodeFile(t, writeSpill(t, dir, recs, 333, mem), cfg, mem)
	require.Equal(t, a, b)
	assert.GreaterOrEqual(t, syncCount(a), 3, "two blocks or more")
	assert.Len(t, readAvro(t, a), 3000)
}

// TestAvroBlocksByRows cuts blocks of small rows by their count.
func TestAvroBlocksByRows(t *testing.T) {
	mem := memory.NewGoAllocator()
	b := array.NewInt64Builder(mem)
	defer b.Release()
	for i := range 140_000 {
		b.Append(int64(i % 3))
	}
	arr := b.NewArray()
	defer arr.Release()
	sc := arrow.NewSchema([]arrow.Field{{Name: "offset", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rec := array.NewRecordBatch(sc, []arrow.Array{arr}, int64(arr.Len()))
	defer rec.Release()
	cfg := format.Config{Type: format.TypeAvro, Compression: format.CompressionSnappy}
	whole, err := encodeAvroBatches(t, cfg, rec)
	require.NoError(t, err)
	parts := cut(rec, 65_535, 2, 3)
	cutUp, err := encodeAvroBatches(t, cfg, parts...)
	for _, p := range parts {
		p.Release()
	}
	require.NoError(t, err)
	require.Equal(t, whole, cutUp)
	assert.Equal(t, 4, syncCount(whole), "blocks of 65,536, 65,536 and 8,928 rows")
}

func TestAvroSyncMarker(t *testing.T) {
	rec := typedBatch(t, memory.NewGoAllocator())
	defer rec.Release()
	typed, err := encodeAvroBatches(t, format.Config{Type: format.TypeAvro}, rec)
	require.NoError(t, err)
	envelope, err := encodeAvroBatches(t, format.Config{Type: format.TypeAvro})
	require.NoError(t, err)
	ht, he := headerLen(typed), headerLen(envelope)
	require.Positive(t, ht, "the sync marker is the SHA-256 of the header")
	require.Equal(t, len(envelope), he, "no rows: a header and no block")
	assert.NotEqual(t, typed[ht-16:ht], envelope[he-16:he])
	assert.Equal(t, []byte("Obj\x01"), typed[:4])
}

func TestAvroEmpty(t *testing.T) {
	data, err := encodeAvroBatches(t, format.Config{Type: format.TypeAvro})
	require.NoError(t, err)
	rows, meta := readAvroGeneric(t, data)
	assert.Empty(t, rows)
	assert.Contains(t, string(meta["avro.schema"]), `"name":"headers"`, "the envelope schema")
}

// TestAvroBadInput feeds the encoder what it must refuse, without panics.
func TestAvroBadInput(t *testing.T) {
	mem := memory.NewGoAllocator()
	ints := func(nullable bool, vals []int64, valid []bool) arrow.RecordBatch {
		b := array.NewInt64Builder(mem)
		defer b.Release()
		b.AppendValues(vals, valid)
		arr := b.NewArray()
		defer arr.Release()
		sc := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: nullable}}, nil)
		return array.NewRecordBatch(sc, []arrow.Array{arr}, int64(arr.Len()))
	}
	t.Run("null in a field that is not nullable", func(t *testing.T) {
		rec := ints(false, []int64{1, 2}, []bool{true, false})
		defer rec.Release()
		_, err := encodeAvroBatches(t, format.Config{Type: format.TypeAvro}, rec)
		require.ErrorIs(t, err, format.ErrCorruptSpill)
		assert.ErrorContains(t, err, "column x, row 1")
	})
	t.Run("another schema mid file", func(t *testing.T) {
		a, b := ints(false, []int64{1}, nil), ints(true, []int64{1}, nil)
		defer a.Release()
		defer b.Release()
		_, err := encodeAvroBatches(t, format.Config{Type: format.TypeAvro}, a, b)
		require.ErrorIs(t, err, format.ErrUnsupported)
	})
	t.Run("a type without mapping", func(t *testing.T) {
		b := array.NewDurationBuilder(mem, &arrow.DurationType{Unit: arrow.Second})
		defer b.Release()
		b.Append(5)
		arr := b.NewArray()
		defer arr.Release()
		sc := arrow.NewSchema([]arrow.Field{{Name: "d", Type: arr.DataType()}}, nil)
		rec := array.NewRecordBatch(sc, []arrow.Array{arr}, 1)
		defer rec.Release()
		_, err := encodeAvroBatches(t, format.Config{Type: format.TypeAvro}, rec)
		require.ErrorIs(t, err, format.ErrUnsupported)
		assert.ErrorContains(t, err, "column d")
	})
	t.Run("negative decimal scale", func(t *testing.T) {
		b := array.NewDecimal128Builder(mem, &arrow.Decimal128Type{Precision: 5, Scale: -2})
		defer b.Release()
		b.AppendNull()
		arr := b.NewArray()
		defer arr.Release()
		sc := arrow.NewSchema([]arrow.Field{{Name: "d", Type: arr.DataType(), Nullable: true}}, nil)
		rec := array.NewRecordBatch(sc, []arrow.Array{arr}, 1)
		defer rec.Release()
		_, err := encodeAvroBatches(t, format.Config{Type: format.TypeAvro}, rec)
		require.ErrorIs(t, err, format.ErrUnsupported)
	})
	t.Run("dictionary index out of range", func(t *testing.T) {
		idx := array.NewInt8Builder(mem)
		defer idx.Release()
		idx.AppendValues([]int8{0, 5}, nil)
		indices := idx.NewArray()
		defer indices.Release()
		sb := array.NewStringBuilder(mem)
		defer sb.Release()
		sb.Append("only")
		dict := sb.NewArray()
		defer dict.Release()
		dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}
		arr := array.NewDictionaryArray(dt, indices, dict)
		defer arr.Release()
		sc := arrow.NewSchema([]arrow.Field{{Name: "c", Type: dt}}, nil)
		rec := array.NewRecordBatch(sc, []arrow.Array{arr}, 2)
		defer rec.Release()
		_, err := encodeAvroBatches(t, format.Config{Type: format.TypeAvro}, rec)
		require.ErrorIs(t, err, format.ErrCorruptSpill)
	})
	t.Run("batches end in an error", func(t *testing.T) {
		f, err := format.New(format.Config{Type: format.TypeAvro}, format.Settings{})
		require.NoError(t, err)
		boom := errors.New("boom")
		_, err = f.Encode(t.Context(), &batches{err: boom}, &bytes.Buffer{})
		require.ErrorIs(t, err, boom)
	})
}
