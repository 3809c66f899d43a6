package format_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/stages/format"
	"github.com/sluicehq/sluice/testing/avsc"
)

// avscTypedWant is typedRows as avsc reads them (testing/avsc): longs as
// strings, bytes and fixed as base64, logical types as their underlying
// values (decimals as two's complement bytes).
const avscTypedWant = `[
{"offset": "7", "b": true, "i8": -128, "i16": 32767, "i32": -2147483648, "u8": 255, "u32": "4294967295",
 "u64": {"$bytes": "AP//////////"}, "f32": 1.5, "f64": -0.25, "s": "héllo", "ls": "large",
 "bin": {"$bytes": "AAEC"}, "fsb": {"$bytes": "YWJj"}, "dec": {"$bytes": "7Sl5"},
 "dec256": {"$bytes": "AmCwX/vn/LEXoCTx4t95"}, "day": 20000, "day64": 1, "t_ms": 3723004, "t_us": "3723004005",
 "ts_s": "1767323045000", "ts_ms": "1767323045678", "ts_us": "1767323045678901", "ts_ns": "1767323045678901234",
 "local_us": "1767323045500000", "addr": {"city": "Zürich", "geo": {"lat": 47.37, "lon": 8.54}},
 "tags": ["a", null, "c"], "items": [{"sku": "x", "qty": 2}, {"sku": "y", "qty": null}],
 "attrs": {"k1": "1", "k2": null}, "by_id": [{"key": -1, "value": "minus one"}], "country": "CH", "nothing": null,
 "user_id_2": "1", "user_id": "2", "_1st": "3", "_n_": "4"},
{"offset": "8", "b": null, "i8": 0, "i16": null, "i32": 0, "u8": 0, "u32": "0", "u64": null, "f32": 0, "f64": null,
 "s": null, "ls": "", "bin": null, "fsb": null, "dec": null, "dec256": {"$bytes": "/w=="}, "day": null, "day64": -1,
 "t_ms": 0, "t_us": "0", "ts_s": "-1000", "ts_ms": null, "ts_us": "0", "ts_ns": "1", "local_us": "0", "addr": null,
 "tags": null, "items": [], "attrs": null, "by_id": [], "country": null, "nothing": null,
 "user_id_2": "0", "user_id": "0", "_1st": "0", "_n_": "0"},
{"offset": "9", "b": false, "i8": 1, "i16": -1, "i32": 1, "u8": 1, "u32": "1", "u64": {"$bytes": "AIAAAAAAAAAA"},
 "f32": -3.25, "f64": 1e300, "s": "", "ls": "x", "bin": {"$bytes": ""}, "fsb": {"$bytes": "AAAA"},
 "dec": {"$bytes": "AQ=="}, "dec256": {"$bytes": "AA=="}, "day": -1, "day64": 0, "t_ms": 1, "t_us": "1",
 "ts_s": "1767323045000", "ts_ms": "-1", "ts_us": "1767323045678901", "ts_ns": "1767323045000000000",
 "local_us": "1767323045000000", "addr": {"city": "", "geo": null}, "tags": [], "items": [{"sku": "z", "qty": -5}],
 "attrs": {}, "by_id": [{"key": 1, "value": "one"}, {"key": 2, "value": "two"}], "country": "CH", "nothing": null,
 "user_id_2": "-1", "user_id": "-2", "_1st": "-3", "_n_": "-4"}
]`

// TestAvroReadByAvsc reads typed files with an independent implementation,
// every codec.
func TestAvroReadByAvsc(t *testing.T) {
	var want []map[string]any
	require.NoError(t, json.Unmarshal([]byte(avscTypedWant), &want))
	rec := typedBatch(t, memory.NewGoAllocator())
	defer rec.Release()
	codecs := map[string]string{"deflate": "deflate", "zstd": "zstandard", "snappy": "snappy", "none": "null"}
	for _, cfg := range avroConfigs {
		t.Run(cfgName(cfg), func(t *testing.T) {
			data, err := encodeAvroBatches(t, cfg, rec)
			require.NoError(t, err)
			path := filepath.Join(t.TempDir(), "typed.avro")
			require.NoError(t, os.WriteFile(path, data, 0o600))
			f := avsc.Read(t, path)
			assert.Equal(t, codecs[cfg.Compression], f.Codec)
			assert.Equal(t, map[string]string{
				format.MetaAvroSchema:   `{"type":"record","name":"Order","fields":[]}`,
				format.MetaOffsetColumn: "offset",
			}, f.Meta)
			require.Len(t, f.Records, len(want))
			for i := range want {
				assert.Equal(t, want[i], f.Records[i], "row %d", i)
			}
		})
	}
}

// TestAvroEnvelopeReadByAvsc reads the envelope's edge cases and a few
// thousand records, several blocks of them, with avsc.
func TestAvroEnvelopeReadByAvsc(t *testing.T) {
	recs := append(edgeRecords(), genRecords(3000, 17, 1000)...)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	spill := writeSpill(t, t.TempDir(), recs, 100, mem)
	cfg := format.Config{Type: format.TypeAvro, Compression: format.CompressionZstd}
	data := encodeFile(t, spill, cfg, mem)
	require.GreaterOrEqual(t, syncCount(data), 3, "two blocks or more")
	path := filepath.Join(t.TempDir(), "envelope.avro")
	require.NoError(t, os.WriteFile(path, data, 0o600))

	f := avsc.Read(t, path)
	want := stored(recs)
	require.Len(t, f.Records, len(want))
	b64 := func(v []byte) any {
		if v == nil {
			return nil
		}
		return map[string]any{"$bytes": base64.StdEncoding.EncodeToString(v)}
	}
	for i, r := range want {
		headers := []any{}
		for _, h := range r.Headers {
			headers = append(headers, map[string]any{"key": h.Key, "value": b64(h.Value)})
		}
		require.Equal(t, map[string]any{
			"topic": r.Topic, "partition": float64(r.Partition), "offset": jsonInt(r.Offset),
			"timestamp": jsonInt(r.Timestamp.UnixMilli()), "key": b64(r.Key), "headers": headers, "value": b64(r.Value),
		}, f.Records[i], "record %d", i)
	}
}

// jsonInt is n as avsc's reader prints longs.
func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }
