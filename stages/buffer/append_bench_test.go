package buffer_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/buffer"
)

// BenchmarkAppend measures the buffer's per-record cost for one Kafka
// partition: in memory, spilling all the time (a 1 MiB budget), and spread
// over 1000 open files. Sealed rounds are dropped (freed: spills deleted,
// held records released), so sealing, holding and spilling are in the
// figures, encoding and uploading are not.
func BenchmarkAppend(b *testing.B) {
	for _, bc := range []struct {
		name   string
		memory conf.ByteSize
		dirs   int
	}{
		{"memory", 64 << 20, 1},
		{"spill", buffer.MinMemory, 1},
		{"1000_files", 64 << 20, 1000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s, err := buffer.New(buffer.Config{Dir: b.TempDir(), Memory: bc.memory, MaxOpenFiles: 2000}, buffer.Settings{
				Publish: func(_ context.Context, r *model.Round) error { r.Free(); return nil },
				Topic: func(string) buffer.TopicSettings {
					return buffer.TopicSettings{Extension: ".parquet", Policy: buffer.Policy{
						MaxBytes: 128 << 20, MaxRecords: 100_000, MaxEventSpan: time.Hour, Idle: time.Hour,
					}}
				},
			})
			require.NoError(b, err)
			require.NoError(b, s.Start())
			defer func() { require.NoError(b, s.Close()) }()
			s.Assign("events", 0, 0, nil)

			dirs := make([]string, bc.dirs)
			for i := range dirs {
				dirs[i] = fmt.Sprintf("events/dt=2026-11-22/hr=%04d", i)
			}
			value := []byte(`{"id":"8f2c1e4a77b14c2e","ts":1795309800000,"event":"page_view","user":{"id":12345,"name":"alice"},` +
				`"url":"https://example.com/some/path?x=1&y=2","props":{"a":1.5,"b":true,"c":null},"pad":"qwertyuiopasdfghjklzxcvbnm"}`)
			base := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
			rec := model.Record{Topic: "events", Key: []byte("u12345"), Value: value, Timestamp: base, EventTime: base}
			b.SetBytes(int64(rec.Size()))
			b.ReportAllocs()
			// Batches of 100 records, as the ingest lanes hand them over;
			// b.N counts records.
			batch := &model.Batch{Topic: "events", Records: make([]model.Record, 0, 100)}
			var off int64
			flush := func() {
				if err := s.Append(b.Context(), batch); err != nil {
					b.Fatal(err)
				}
				batch.Records = batch.Records[:0]
			}
			for b.Loop() {
				rec.Offset, rec.Path = off, dirs[off%int64(len(dirs))]
				batch.Records = append(batch.Records, rec)
				if len(batch.Records) == cap(batch.Records) {
					flush()
				}
				off++
			}
			flush()
		})
	}
}
