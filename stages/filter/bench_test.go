package filter

import (
	"fmt"
	"testing"
	"time"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages"
)

// events returns n records with values like the bench harness's ~300 B
// JSON events (testing/bench), a fifth of them at level debug.
func events(n int) []model.Record {
	levels := []string{"info", "info", "debug", "warn", "info"}
	out := make([]model.Record, n)
	for i := range out {
		out[i] = model.Record{Topic: "events", Offset: int64(i), Timestamp: time.UnixMilli(1795310400000 + int64(i)),
			Key: fmt.Appendf(nil, "u%d", i%1000),
			Value: fmt.Appendf(nil, `{"id":"%016x","ts":%d,"level":"%s","event":"add_to_cart","user":{"id":%d,"name":"carol","age":%d,"country":"DE"},"price":%d.%02d,"pad":"mozilla chrome desktop checkout cart product search home account login promo summer sale"}`,
				i*7919, 1795310400000+i, levels[i%len(levels)], i%1000, 18+i%60, i%1000, i%100)}
	}
	return out
}

// BenchmarkFilter measures the stage on fresh records, decoding included
// (the first stage that reads fields pays it).
func BenchmarkFilter(b *testing.B) {
	s, err := New(Options{KeepIf: `level != "debug" && user.age > 30`, OnError: "fail"}, stages.Settings{})
	if err != nil {
		b.Fatal(err)
	}
	src := events(1000)
	batch := &model.Batch{}
	b.ReportAllocs()
	for b.Loop() {
		batch.Records = append(batch.Records[:0], src...)
		batch.Filtered = model.Offsets{}
		if err := s.Process(b.Context(), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(src)), "ns/record")
}
