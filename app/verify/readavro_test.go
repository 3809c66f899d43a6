package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/hamba/avro/v2/ocf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/format"
)

// avroOffsets reads the offsets of an avro file.
func avroOffsets(data []byte) ([]int64, error) {
	var got []int64
	err := readAvro(bytes.NewReader(data), func(r row) error {
		got = append(got, r.offset)
		return nil
	})
	return got, err
}

// envelopeAvro encodes records of offsets 10, 12, 13, ... (n of them,
// values of size bytes) as an envelope avro file.
func envelopeAvro(t testing.TB, n, size int, compression string) ([]byte, []int64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "spill")
	w, err := format.NewSpillWriter(path, memory.NewGoAllocator())
	require.NoError(t, err)
	var offsets []int64
	for i := range n {
		off := int64(10 + i + min(i, 1))
		offsets = append(offsets, off)
		w.Append(&model.Record{Topic: "t", Partition: 1, Offset: off, Timestamp: time.UnixMilli(int64(i)).UTC(),
			Value: bytes.Repeat([]byte{byte(i)}, size)})
	}
	require.NoError(t, w.Close())
	var buf bytes.Buffer
	_, err = format.Encode(context.Background(), path, &buf,
		format.Config{Type: format.TypeAvro, Compression: compression}, memory.NewGoAllocator())
	require.NoError(t, err)
	return buf.Bytes(), offsets
}

func TestReadAvroEnvelope(t *testing.T) {
	for _, c := range []string{format.CompressionDeflate, format.CompressionZstd, format.CompressionSnappy, format.CompressionNone} {
		t.Run(c, func(t *testing.T) {
			data, want := envelopeAvro(t, 3000, 700, c) // 2 MB: several blocks
			got, err := avroOffsets(data)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}

// TestReadAvroOffsetColumn reads the column the header names.
func TestReadAvroOffsetColumn(t *testing.T) {
	encode := func(col string, meta map[string]string) ([]byte, error) {
		b := array.NewInt64Builder(memory.NewGoAllocator())
		defer b.Release()
		b.AppendValues([]int64{5, 6, 8}, nil)
		offs := b.NewArray()
		defer offs.Release()
		s := array.NewStringBuilder(memory.NewGoAllocator())
		defer s.Release()
		s.AppendValues([]string{"a", "b", "c"}, nil)
		names := s.NewArray()
		defer names.Release()
		md := arrow.MetadataFrom(meta)
		sc := arrow.NewSchema([]arrow.Field{
			{Name: "name", Type: arrow.BinaryTypes.String},
			{Name: col, Type: arrow.PrimitiveTypes.Int64},
		}, &md)
		rec := array.NewRecordBatch(sc, []arrow.Array{names, offs}, 3)
		defer rec.Release()
		f, err := format.New(format.Config{Type: format.TypeAvro}, format.Settings{})
		require.NoError(t, err)
		var buf bytes.Buffer
		_, err = f.Encode(t.Context(), &oneBatch{rec: rec}, &buf)
		require.NoError(t, err)
		return avroOffsetsBytes(t, buf.Bytes())
	}
	got, err := encode("kafka_offset", map[string]string{format.MetaOffsetColumn: "kafka_offset"})
	require.NoError(t, err)
	assert.Equal(t, "5,6,8", string(got))
	_, err = encode("kafka_offset", nil)
	require.ErrorIs(t, err, ErrCorrupt, "no offset column")
	assert.ErrorContains(t, err, `no offset column "offset"`)
	_, err = encode("offset", map[string]string{format.MetaOffsetColumn: "name"})
	require.ErrorIs(t, err, ErrCorrupt)
	assert.ErrorContains(t, err, "want long")
}

// avroOffsetsBytes is avroOffsets joined by commas.
func avroOffsetsBytes(t testing.TB, data []byte) ([]byte, error) {
	got, err := avroOffsets(data)
	var out []byte
	for i, o := range got {
		if i > 0 {
			out = append(out, ',')
		}
		out = fmt.Append(out, o)
	}
	return out, err
}

// oneBatch is one record batch as format.Batches.
type oneBatch struct {
	rec  arrow.RecordBatch
	done bool
}

func (o *oneBatch) Next() arrow.RecordBatch {
	if o.done {
		return nil
	}
	o.done = true
	return o.rec
}
func (o *oneBatch) Err() error            { return nil }
func (o *oneBatch) Schema() *arrow.Schema { return o.rec.Schema() }

// TestReadAvroHamba reads a file another writer made (hamba/avro's, random
// sync marker, blocks of 100 records, a nullable union before the offset).
func TestReadAvroHamba(t *testing.T) {
	type rec struct {
		Note   *string `avro:"note"`
		Offset int64   `avro:"offset"`
	}
	var buf bytes.Buffer
	enc, err := ocf.NewEncoder(`{"type":"record","name":"R","fields":[{"name":"note","type":["null","string"]},`+
		`{"name":"offset","type":"long"}]}`, &buf, ocf.WithCodec(ocf.Deflate))
	require.NoError(t, err)
	note := "n"
	var want []int64
	for i := range 250 {
		require.NoError(t, enc.Encode(rec{Note: &note, Offset: int64(i * 3)}))
		want = append(want, int64(i*3))
	}
	require.NoError(t, enc.Close())
	got, err := avroOffsets(buf.Bytes())
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

// TestReadAvroCorrupt damages a file every way and wants ErrCorrupt or,
// for damage the format cannot see, offsets, never a panic.
func TestReadAvroCorrupt(t *testing.T) {
	for _, c := range []string{format.CompressionDeflate, format.CompressionZstd, format.CompressionSnappy, format.CompressionNone} {
		t.Run(c, func(t *testing.T) {
			good, _ := envelopeAvro(t, 40, 30, c)
			for _, bad := range corruptions(good) {
				_, err := avroOffsets(bad)
				if err != nil {
					require.ErrorIs(t, err, ErrCorrupt)
				}
			}
			_, err := avroOffsets(good[:len(good)-1])
			require.ErrorIs(t, err, ErrCorrupt, "truncated")
		})
	}
}

// corruptions are damaged copies of good: truncations and flipped bytes.
func corruptions(good []byte) [][]byte {
	var out [][]byte
	for n := 0; n < len(good); n += 1 + n/16 {
		out = append(out, good[:n])
	}
	for at := 0; at < len(good); at += 1 + at/32 {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			b := bytes.Clone(good)
			b[at] ^= x
			out = append(out, b)
		}
	}
	return out
}

// FuzzReadAvro reads arbitrary bytes as an avro file: errors, no panics.
func FuzzReadAvro(f *testing.F) {
	for _, c := range []string{format.CompressionDeflate, format.CompressionZstd, format.CompressionSnappy, format.CompressionNone} {
		good, _ := envelopeAvro(f, 5, 10, c)
		f.Add(good)
	}
	f.Add([]byte("Obj\x01"))
	f.Add([]byte("Obj\x01\x02\x16avro.schema\x0a\"long\"\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := avroOffsets(data)
		if err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("error %v does not wrap ErrCorrupt", err)
		}
	})
}
