package format_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/format"
)

func BenchmarkSpillAppend(b *testing.B) {
	recs := genRecords(10_000, 21, 200)
	var bytes int64
	for _, r := range recs {
		bytes += int64(r.Size())
	}
	w, err := format.NewSpillWriter(b.TempDir()+"/bench.arrows", memory.NewGoAllocator())
	require.NoError(b, err)
	defer w.Abort()
	b.SetBytes(bytes / int64(len(recs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		w.Append(&recs[i%len(recs)])
		if w.Buffered() > 8<<20 {
			require.NoError(b, w.Flush())
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	path, bytes := benchSpill(b, genRecords(50_000, 22, 200))
	for _, cfg := range allConfigs {
		b.Run(cfgName(cfg), func(b *testing.B) { benchEncode(b, path, bytes, cfg) })
	}
}

// BenchmarkEncodeLevels encodes JSON events that compress like real ones
// (words from a small vocabulary, not random bytes) at each zstd level: the
// CPU a level costs against the bytes it saves.
func BenchmarkEncodeLevels(b *testing.B) {
	path, bytes := benchSpill(b, eventRecords(50_000, 300))
	for _, typ := range []string{format.TypeParquet, format.TypeJSONL} {
		for _, level := range []string{format.LevelFastest, format.LevelDefault, format.LevelBetter} {
			cfg := format.Config{Type: typ, Compression: format.CompressionZstd, Level: level}
			b.Run(cfgName(cfg)+"/"+level, func(b *testing.B) { benchEncode(b, path, bytes, cfg) })
		}
	}
}

// benchSpill spills recs and returns the spill file and the records' bytes.
func benchSpill(b *testing.B, recs []model.Record) (path string, bytes int64) {
	for _, r := range recs {
		bytes += int64(r.Size())
	}
	return writeSpill(b, b.TempDir(), recs, 10_000, memory.NewGoAllocator()), bytes
}

// benchEncode encodes the spill at path with cfg, reporting throughput over
// the records' bytes and the output's size relative to them.
func benchEncode(b *testing.B, path string, bytes int64, cfg format.Config) {
	b.SetBytes(bytes)
	b.ReportAllocs()
	var out int64
	for b.Loop() {
		res, err := format.Encode(b.Context(), path, nopWriter{}, cfg, memory.NewGoAllocator())
		require.NoError(b, err)
		out = res.Bytes
	}
	b.ReportMetric(float64(out)/float64(bytes), "out/in")
}

// eventRecords makes n JSON events of about size bytes, padded with words.
func eventRecords(n, size int) []model.Record {
	rng := rand.New(rand.NewPCG(3, 4))
	words := strings.Fields("chrome firefox safari mobile desktop checkout cart product search home " +
		"login settings orders promo sale email social direct organic paid banner button review share")
	recs := make([]model.Record, n)
	for i := range recs {
		v := fmt.Appendf(nil, `{"id":"%x","ts":%d,"event":"view","user":%d,"pad":"`,
			rng.Uint64(), 1_790_000_000_000+int64(i), rng.IntN(1_000_000))
		for len(v) < size-2 {
			v = append(append(v, words[rng.IntN(len(words))]...), ' ')
		}
		recs[i] = model.Record{Topic: "events", Partition: 1, Offset: int64(i),
			Timestamp: ts(1_790_000_000_000 + int64(i)),
			Key:       fmt.Appendf(nil, "u%d", rng.IntN(100_000)), Value: append(v, `"}`...)}
	}
	return recs
}

// BenchmarkEncodeSource encodes the same records from a spill file and from
// records held in memory (a round that was never spilled): the cost of
// reading the spill back.
func BenchmarkEncodeSource(b *testing.B) {
	recs := genRecords(50_000, 22, 200)
	path, bytes := benchSpill(b, recs)
	w, err := format.NewSpillWriter(b.TempDir()+"/held.arrow", memory.NewGoAllocator())
	require.NoError(b, err)
	for i := range recs {
		w.Append(&recs[i])
	}
	held := w.Hold(nil)
	require.NotNil(b, held)
	defer held.Release()
	for _, cfg := range []format.Config{
		{Type: format.TypeParquet, Compression: format.CompressionZstd},
		{Type: format.TypeJSONL, Compression: format.CompressionNone},
	} {
		for _, src := range []format.Source{format.SpillFile(path), held} {
			name := "spill"
			if src == format.Source(held) {
				name = "held"
			}
			b.Run(cfgName(cfg)+"/"+name, func(b *testing.B) {
				b.SetBytes(bytes)
				b.ReportAllocs()
				for b.Loop() {
					_, err := format.EncodeFrom(b.Context(), src, nopWriter{}, cfg, memory.NewGoAllocator())
					require.NoError(b, err)
				}
			})
		}
	}
}
