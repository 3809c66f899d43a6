package transform

import (
	"fmt"
	"testing"
	"time"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages"
)

// events returns n records with values like the bench harness's ~300 B
// JSON events (testing/bench).
func events(n int) []model.Record {
	out := make([]model.Record, n)
	for i := range out {
		out[i] = model.Record{Topic: "events", Offset: int64(i), Timestamp: time.UnixMilli(1795310400000 + int64(i)),
			Headers: []model.Header{{Key: "source", Value: []byte("web")}},
			Value: fmt.Appendf(nil, `{"id":"%016x","ts":%d,"level":"info","event":"add_to_cart","user":{"id":%d,"email":"user%d@example.com","age":%d,"country":"DE"},"price":%d.%02d,"pad":"mozilla chrome desktop checkout cart product search home account login promo summer sale"}`,
				i*7919, 1795310400000+i, i%1000, i%1000, 18+i%60, i%1000, i%100)}
	}
	return out
}

// BenchmarkTransform measures a typical transform on fresh records:
// decoding, one set, one rename, one drop, a hash, and re-encoding.
func BenchmarkTransform(b *testing.B) {
	s, err := New(Options{
		Set:    map[string]string{"source": `kafka.headers["source"]`},
		Rename: map[string]string{"event": "type"},
		Drop:   []string{"pad"},
		Redact: map[string]Redaction{"user.email": {Method: Hash, Key: "k"}}, OnError: "fail",
	}, stages.Settings{})
	if err != nil {
		b.Fatal(err)
	}
	src := events(1000)
	batch := &model.Batch{}
	b.ReportAllocs()
	for b.Loop() {
		batch.Records = append(batch.Records[:0], src...)
		if err := s.Process(b.Context(), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(src)), "ns/record")
}
