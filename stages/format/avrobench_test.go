package format_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/stages/format"
)

// benchRows is the rows each avro benchmark encodes per operation.
const benchRows = 100_000

// BenchmarkAvroEnvelope encodes 100,000 envelope rows (JSON events of
// about 300 bytes) from a spill file, as Parquet and as Avro.
func BenchmarkAvroEnvelope(b *testing.B) {
	path, bytes := benchSpill(b, eventRecords(benchRows, 300))
	for _, cfg := range append([]format.Config{{Type: format.TypeParquet, Compression: format.CompressionZstd}}, avroConfigs...) {
		b.Run(cfgName(cfg), func(b *testing.B) {
			benchEncode(b, path, bytes, cfg)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRows), "ns/row")
		})
	}
}

// BenchmarkAvroTyped encodes 100,000 rows of a 10-column typed schema
// (tenColumns) held in memory as Avro, and with pqarrow's defaults and
// zstd as Parquet for comparison.
func BenchmarkAvroTyped(b *testing.B) {
	recs := tenColumns(b, benchRows, 10_000)
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	var size int64
	for _, cfg := range avroConfigs {
		b.Run(cfgName(cfg), func(b *testing.B) {
			f, err := format.New(cfg, format.Settings{})
			require.NoError(b, err)
			b.ReportAllocs()
			for b.Loop() {
				var cw countWriter
				_, err := f.Encode(b.Context(), &batches{list: recs}, &cw)
				require.NoError(b, err)
				size = cw.n
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRows), "ns/row")
			b.ReportMetric(float64(size)/benchRows, "B/row")
		})
	}
	b.Run("parquet/zstd", func(b *testing.B) {
		props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd), parquet.WithStats(true))
		b.ReportAllocs()
		for b.Loop() {
			var cw countWriter
			fw, err := pqarrow.NewFileWriter(recs[0].Schema(), &cw, props, pqarrow.DefaultWriterProps())
			require.NoError(b, err)
			for _, r := range recs {
				require.NoError(b, fw.WriteBuffered(r))
			}
			require.NoError(b, fw.Close())
			size = cw.n
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRows), "ns/row")
		b.ReportMetric(float64(size)/benchRows, "B/row")
	})
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// tenColumns makes n rows of a typed schema of ten columns (an id, a user
// name, an amount, a time, a day, a flag, a score, tags, attributes and an
// address) in batches of batchRows.
func tenColumns(t testing.TB, n, batchRows int) []arrow.RecordBatch {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "user", Type: arrow.BinaryTypes.String},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}},
		{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32},
		{Name: "active", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String)},
		{Name: "attrs", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.BinaryTypes.String)},
		{Name: "address", Type: arrow.StructOf(
			arrow.Field{Name: "city", Type: arrow.BinaryTypes.String},
			arrow.Field{Name: "zip", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		)},
	}, nil)
	rng := rand.New(rand.NewPCG(5, 6))
	cities := []string{"Zürich", "Basel", "Bern", "Genève", "Lugano"}
	bld := array.NewRecordBuilder(memory.NewGoAllocator(), sc)
	defer bld.Release()
	var out []arrow.RecordBatch
	for i := range n {
		bld.Field(0).(*array.Int64Builder).Append(int64(i))
		bld.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("user-%d", rng.IntN(10_000)))
		bld.Field(2).(*array.Decimal128Builder).Append(decimal128.FromI64(rng.Int64N(1_000_000)))
		bld.Field(3).(*array.TimestampBuilder).Append(arrow.Timestamp(1_790_000_000_000_000 + int64(i)*1000))
		bld.Field(4).(*array.Date32Builder).Append(arrow.Date32(20_000 + i/10_000))
		if rng.IntN(10) == 0 {
			bld.Field(5).AppendNull()
		} else {
			bld.Field(5).(*array.BooleanBuilder).Append(rng.IntN(2) == 0)
		}
		bld.Field(6).(*array.Float64Builder).Append(rng.Float64() * 100)
		lb := bld.Field(7).(*array.ListBuilder)
		lb.Append(true)
		for range rng.IntN(3) {
			lb.ValueBuilder().(*array.StringBuilder).Append(cities[rng.IntN(len(cities))])
		}
		mb := bld.Field(8).(*array.MapBuilder)
		mb.Append(true)
		mb.KeyBuilder().(*array.StringBuilder).Append("browser")
		mb.ItemBuilder().(*array.StringBuilder).Append("firefox")
		sb := bld.Field(9).(*array.StructBuilder)
		sb.Append(true)
		sb.FieldBuilder(0).(*array.StringBuilder).Append(cities[rng.IntN(len(cities))])
		sb.FieldBuilder(1).(*array.Int32Builder).Append(int32(1000 + rng.IntN(9000)))
		if (i+1)%batchRows == 0 || i == n-1 {
			out = append(out, bld.NewRecordBatch())
		}
	}
	return out
}

// TestAvroTenColumns reads the benchmark's rows back.
func TestAvroTenColumns(t *testing.T) {
	recs := tenColumns(t, 2000, 300)
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	data, err := encodeAvroBatches(t, format.Config{Type: format.TypeAvro}, recs...)
	require.NoError(t, err)
	rows, _ := readAvroGeneric(t, data)
	require.Len(t, rows, 2000)
	require.Equal(t, int64(1999), rows[1999]["id"])
	require.Equal(t, map[string]any{"browser": "firefox"}, rows[5]["attrs"])
	require.True(t, bytes.HasPrefix(data, []byte("Obj\x01")))
}
