package format_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/format"
)

// ts is a Kafka timestamp in the form records come back in (UTC, ms).
func ts(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// edgeRecords covers every shape a field can take.
func edgeRecords() []model.Record {
	base := model.Record{Topic: "events", Partition: 3, Timestamp: ts(1_790_000_000_123)}
	cases := []func(r *model.Record){
		func(r *model.Record) { r.Key, r.Value = []byte("k"), []byte(`{"a":1,"b":[true,null]}`) },
		func(r *model.Record) { r.Key, r.Value = nil, nil },                                        // no key, tombstone
		func(r *model.Record) { r.Key, r.Value = []byte{}, []byte{} },                              // empty, not null
		func(r *model.Record) { r.Key, r.Value = []byte{0xff, 0x00, 0xfe}, []byte{0x80, 0x81, 0} }, // not UTF-8
		func(r *model.Record) { r.Value = []byte("null") },                                         // JSON null, not a tombstone
		func(r *model.Record) { r.Value = []byte(`"a string"`) },
		func(r *model.Record) { r.Value = []byte("plain text, \"quoted\"\ttab\\") },
		func(r *model.Record) { r.Value = []byte("{\n  \"pretty\": true\n}") },
		func(r *model.Record) { r.Value = []byte(` {"padded":1} `) },
		func(r *model.Record) { r.Value = []byte("12.5e3") },
		func(r *model.Record) { r.Value = []byte("ünïcödé ☃ \u2028 \x01") },
		func(r *model.Record) {
			r.Headers = []model.Header{{Key: "h", Value: []byte("1")}, {Key: "h", Value: []byte("2")}, {Key: "other", Value: nil}}
		},
		func(r *model.Record) {
			r.Headers = []model.Header{{Key: "bin", Value: []byte{0xc3, 0x28}}, {Key: "\xff\xfe", Value: []byte{}}}
		},
		func(r *model.Record) { r.Timestamp = ts(-1) }, // no timestamp in Kafka
		func(r *model.Record) { r.Timestamp = ts(0); r.Partition = 0 },
	}
	recs := make([]model.Record, len(cases))
	for i, apply := range cases {
		recs[i] = base
		recs[i].Offset = int64(100 + i)
		apply(&recs[i])
	}
	return recs
}

// stored is what recs read back as: header keys that are not UTF-8 get U+FFFD
// for their invalid bytes (see format.Schema).
func stored(recs []model.Record) []model.Record {
	out := make([]model.Record, len(recs))
	for i, r := range recs {
		if r.Headers != nil {
			hs := make([]model.Header, len(r.Headers))
			for j, h := range r.Headers {
				hs[j] = model.Header{Key: strings.ToValidUTF8(h.Key, "\uFFFD"), Value: h.Value}
			}
			r.Headers = hs
		}
		out[i] = r
	}
	return out
}

// genRecords makes n pseudo-random records from seed, with valueSize bytes
// of payload on average.
func genRecords(n int, seed uint64, valueSize int) []model.Record {
	rng := rand.New(rand.NewPCG(seed, 1))
	recs := make([]model.Record, n)
	for i := range recs {
		r := model.Record{
			Topic:     "orders",
			Partition: 7,
			Offset:    1_000_000 + int64(i)*int64(1+rng.IntN(2)),
			Timestamp: ts(1_790_000_000_000 + int64(i)*3 + rng.Int64N(50)),
		}
		if rng.IntN(10) > 0 {
			r.Key = fmt.Appendf(nil, "customer-%d", rng.IntN(5000))
		}
		switch rng.IntN(4) {
		case 0: // tombstone
		case 1:
			r.Value = fmt.Appendf(nil, `{"id":%d,"amount":%d.%02d,"note":%q}`, i, rng.IntN(1000), rng.IntN(100),
				strings.Repeat("x", rng.IntN(valueSize+1)))
		default:
			r.Value = make([]byte, rng.IntN(2*valueSize+1))
			for j := range r.Value {
				r.Value[j] = byte(rng.Uint32())
			}
		}
		for range rng.IntN(3) {
			r.Headers = append(r.Headers, model.Header{Key: "trace", Value: fmt.Appendf(nil, "%016x", rng.Uint64())})
		}
		recs[i] = r
	}
	return recs
}

// writeSpill spills recs to a new file in dir, flushing after every
// flushEvery records (never when 0), and returns its path.
func writeSpill(t testing.TB, dir string, recs []model.Record, flushEvery int, mem memory.Allocator) string {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("spill-%d.arrows", flushEvery))
	w, err := format.NewSpillWriter(path, mem)
	require.NoError(t, err)
	for i := range recs {
		w.Append(&recs[i])
		if flushEvery > 0 && (i+1)%flushEvery == 0 {
			require.NoError(t, w.Flush())
		}
	}
	require.NoError(t, w.Close())
	return path
}

// encodeFile encodes a spill file and returns the output bytes.
func encodeFile(t testing.TB, path string, cfg format.Config, mem memory.Allocator) []byte {
	t.Helper()
	var buf bytes.Buffer
	res, err := format.Encode(t.Context(), path, &buf, cfg, mem)
	require.NoError(t, err)
	require.Equal(t, int64(buf.Len()), res.Bytes)
	return buf.Bytes()
}

// readBack decodes an encoded file into records.
func readBack(t testing.TB, data []byte, cfg format.Config) []model.Record {
	t.Helper()
	switch cfg.Type {
	case format.TypeJSONL:
		return readJSONL(t, data, cfg.Compression)
	case format.TypeAvro:
		return readAvro(t, data)
	}
	return readParquet(t, data)
}

func readParquet(t testing.TB, data []byte) []model.Record {
	t.Helper()
	// Not a checked allocator: arrow-go's DELTA_BINARY_PACKED decoder leaks
	// 64 bytes per column chunk (reading only; Encode's memory is checked).
	mem := memory.NewGoAllocator()
	tbl, err := pqarrow.ReadTable(t.Context(), bytes.NewReader(data), parquet.NewReaderProperties(mem),
		pqarrow.ArrowReadProperties{}, mem)
	require.NoError(t, err)
	defer tbl.Release()
	require.Equal(t, format.Schema().Field(3).Type, tbl.Schema().Field(3).Type, "timestamp type")

	var recs []model.Record
	tr := array.NewTableReader(tbl, 1000)
	defer tr.Release()
	for tr.Next() {
		recs = append(recs, batchRecords(tr.RecordBatch())...)
	}
	require.NoError(t, tr.Err())
	return recs
}

// batchRecords converts a batch of the envelope schema into records.
func batchRecords(b arrow.RecordBatch) []model.Record {
	topic := b.Column(0).(*array.String)
	part := b.Column(1).(*array.Int32)
	off := b.Column(2).(*array.Int64)
	tsc := b.Column(3).(*array.Timestamp)
	key := b.Column(4).(*array.Binary)
	hdrs := b.Column(5).(*array.List)
	st := hdrs.ListValues().(*array.Struct)
	hk, hv := st.Field(0).(*array.String), st.Field(1).(*array.Binary)
	val := b.Column(6).(*array.Binary)
	cp := func(a *array.Binary, i int) []byte {
		if a.IsNull(i) {
			return nil
		}
		return bytes.Clone(a.Value(i))
	}
	recs := make([]model.Record, b.NumRows())
	for i := range recs {
		r := model.Record{
			Topic: topic.Value(i), Partition: part.Value(i), Offset: off.Value(i),
			Timestamp: ts(int64(tsc.Value(i))), Key: orEmpty(cp(key, i), key.IsNull(i)), Value: orEmpty(cp(val, i), val.IsNull(i)),
		}
		start, end := hdrs.ValueOffsets(i)
		for j := int(start); j < int(end); j++ {
			r.Headers = append(r.Headers, model.Header{Key: hk.Value(j), Value: orEmpty(cp(hv, j), hv.IsNull(j))})
		}
		recs[i] = r
	}
	return recs
}

// orEmpty turns a nil copy of a non-null empty value into an empty slice.
func orEmpty(v []byte, null bool) []byte {
	if v == nil && !null {
		return []byte{}
	}
	return v
}

func readJSONL(t testing.TB, data []byte, compression string) []model.Record {
	t.Helper()
	var r io.Reader = bytes.NewReader(data)
	switch compression {
	case format.CompressionGzip:
		gz, err := gzip.NewReader(r)
		require.NoError(t, err)
		require.True(t, gz.ModTime.IsZero(), "gzip mtime %v", gz.ModTime)
		require.Empty(t, gz.Name)
		r = gz
	case format.CompressionZstd, "":
		zr, err := zstd.NewReader(r)
		require.NoError(t, err)
		defer zr.Close()
		r = zr
	}
	plain, err := io.ReadAll(r)
	require.NoError(t, err)
	var recs []model.Record
	for line := range strings.Lines(string(plain)) {
		recs = append(recs, parseLine(t, []byte(line)))
	}
	return recs
}

// jsonLine is a JSON line; every byte-string field has exclusive variants.
type jsonLine struct {
	Topic     string          `json:"topic"`
	Partition int32           `json:"partition"`
	Offset    int64           `json:"offset"`
	Timestamp string          `json:"timestamp"`
	Key       *string         `json:"key"`
	KeyBase64 *string         `json:"key_base64"`
	Headers   []jsonHeader    `json:"headers"`
	Value     json.RawMessage `json:"value"`
	ValueText *string         `json:"value_text"`
	ValueB64  *string         `json:"value_base64"`
}

type jsonHeader struct {
	Key       *string         `json:"key"`
	KeyBase64 *string         `json:"key_base64"`
	Value     json.RawMessage `json:"value"`
	ValueB64  *string         `json:"value_base64"`
}

func parseLine(t testing.TB, line []byte) model.Record {
	t.Helper()
	require.True(t, bytes.HasSuffix(line, []byte("\n")))
	require.Equal(t, 1, bytes.Count(line, []byte("\n")), "one line per record")
	var fields map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(line, &fields), "line %s", line)
	var l jsonLine
	require.NoError(t, json.Unmarshal(line, &l))
	tm, err := time.Parse(time.RFC3339Nano, l.Timestamp)
	require.NoError(t, err)
	require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, l.Timestamp)
	r := model.Record{Topic: l.Topic, Partition: l.Partition, Offset: l.Offset, Timestamp: ts(tm.UnixMilli())}

	_, hasKey := fields["key"]
	r.Key = pick(t, hasKey, l.Key, l.KeyBase64)
	for _, h := range l.Headers {
		k := pick(t, h.Key != nil, h.Key, h.KeyBase64)
		var v []byte
		if h.ValueB64 != nil {
			require.Nil(t, h.Value)
			v = decode64(t, *h.ValueB64)
		} else if string(h.Value) != "null" {
			var s string
			require.NoError(t, json.Unmarshal(h.Value, &s))
			v = []byte(s)
		}
		r.Headers = append(r.Headers, model.Header{Key: string(k), Value: v})
	}
	variants := 0
	if raw, ok := fields["value"]; ok {
		variants++
		if string(raw) != "null" {
			r.Value = []byte(l.Value) // embedded JSON, byte for byte
		}
	}
	if l.ValueText != nil {
		variants++
		r.Value = []byte(*l.ValueText)
	}
	if l.ValueB64 != nil {
		variants++
		r.Value = decode64(t, *l.ValueB64)
	}
	require.Equal(t, 1, variants, "exactly one value field in %s", line)
	return r
}

// pick decodes a text-or-base64 field pair; text nil with present means null.
func pick(t testing.TB, present bool, text, b64 *string) []byte {
	t.Helper()
	switch {
	case text != nil:
		require.Nil(t, b64, "both text and base64")
		return []byte(*text)
	case b64 != nil:
		return decode64(t, *b64)
	}
	require.True(t, present, "field missing")
	return nil
}

func decode64(t testing.TB, s string) []byte {
	t.Helper()
	v, err := base64.StdEncoding.DecodeString(s)
	require.NoError(t, err)
	return v
}

// allConfigs are every format and compression Encode supports.
var allConfigs = []format.Config{
	{Type: format.TypeParquet, Compression: format.CompressionZstd},
	{Type: format.TypeParquet, Compression: format.CompressionSnappy},
	{Type: format.TypeParquet, Compression: format.CompressionGzip},
	{Type: format.TypeParquet, Compression: format.CompressionNone},
	{Type: format.TypeJSONL, Compression: format.CompressionZstd},
	{Type: format.TypeJSONL, Compression: format.CompressionGzip},
	{Type: format.TypeJSONL, Compression: format.CompressionNone},
	{Type: format.TypeAvro, Compression: format.CompressionDeflate},
	{Type: format.TypeAvro, Compression: format.CompressionZstd},
	{Type: format.TypeAvro, Compression: format.CompressionSnappy},
	{Type: format.TypeAvro, Compression: format.CompressionNone},
}

func cfgName(c format.Config) string { return c.Type + "/" + c.Compression }
