package format_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

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
	recs := genRecords(50_000, 22, 200)
	var bytes int64
	for _, r := range recs {
		bytes += int64(r.Size())
	}
	path := writeSpill(b, b.TempDir(), recs, 10_000, memory.NewGoAllocator())
	for _, cfg := range allConfigs {
		b.Run(cfgName(cfg), func(b *testing.B) {
			b.SetBytes(bytes)
			b.ReportAllocs()
			var out int64
			for b.Loop() {
				res, err := format.Encode(b.Context(), path, nopWriter{}, cfg, memory.NewGoAllocator())
				require.NoError(b, err)
				out = res.Bytes
			}
			b.ReportMetric(float64(out)/float64(bytes), "out/in")
		})
	}
}
