package partition

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
)

// benchmarkDir runs Dir from parallel goroutines, each on a Kafka partition
// of its own, with event times advancing by step per record.
func benchmarkDir(b *testing.B, cfg Config, step time.Duration) {
	s, err := New(cfg, Settings{})
	require.NoError(b, err)
	base := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	var next atomic.Int32
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		rec := model.Record{Topic: "clickstream.events", Partition: next.Add(1), EventTime: base}
		for pb.Next() {
			if s.Dir(&rec) == "" {
				b.Error("empty directory")
				return
			}
			rec.EventTime = rec.EventTime.Add(step)
		}
	})
}

func BenchmarkDir(b *testing.B) {
	// Typical: records a few milliseconds apart, nearly all cache hits.
	b.Run("hour/UTC", func(b *testing.B) { benchmarkDir(b, Config{}, time.Millisecond) })
	b.Run("hour/Kolkata", func(b *testing.B) { benchmarkDir(b, Config{Timezone: "Asia/Kolkata"}, time.Millisecond) })
	b.Run("minute/Berlin", func(b *testing.B) {
		benchmarkDir(b, Config{Granularity: GranularityMinute, Timezone: "Europe/Berlin"}, time.Millisecond)
	})
	// Worst case: every record in a new bucket, so every call builds.
	b.Run("miss/minute", func(b *testing.B) { benchmarkDir(b, Config{Granularity: GranularityMinute}, time.Minute) })
}

// BenchmarkDirUncached is what Dir would cost without its cache: converting
// the time to the zone and formatting the directory for every record.
func BenchmarkDirUncached(b *testing.B) {
	s, err := New(Config{Timezone: "Europe/Berlin"}, Settings{})
	require.NoError(b, err)
	t := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendDir(buf[:0], s.segs, "clickstream.events", 3, t.In(s.loc), nil)
	}
}
