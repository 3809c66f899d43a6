package parse

import (
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
)

// benchValue is a typical event of a few hundred bytes.
// %s stands for the time field.
const benchValue = `{"id":"8f2c1e4a-77b1-4c2e-9a51-0c1d2e3f4a5b","user":{"id":12345,"name":"alice","tags":["a","b","c"]},` +
	`"event":"page_view","url":"https://example.com/some/path?x=1&y=2","meta":{"source":"web","ts":%s,"v":3},` +
	`"props":{"a":1.5,"b":true,"c":null}}`

func benchmarkParse(b *testing.B, cfg Config, value string, wantFallback bool) {
	s, err := New(cfg, Settings{})
	require.NoError(b, err)
	rec := &model.Record{Topic: "events", Value: []byte(value)}
	b.ReportAllocs()
	b.SetBytes(int64(len(value)))
	var next atomic.Int32
	b.RunParallel(func(pb *testing.PB) {
		r := *rec
		r.Partition = next.Add(1) // one Kafka partition per goroutine, as in the pipeline
		for pb.Next() {
			s.Parse(&r)
			if r.EventTimeFallback != wantFallback {
				b.Error("unexpected fallback state")
				return
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	sprintf := func(ts string) string { return replaceTS(benchValue, ts) }
	json := func(format string) Config {
		return Config{Type: TypeJSON, JSON: JSONConfig{TimeField: "meta.ts", TimeFormat: format}}
	}
	b.Run("raw", func(b *testing.B) { benchmarkParse(b, Config{Type: TypeRaw}, sprintf("1"), false) })
	b.Run("json/unix_ms", func(b *testing.B) { benchmarkParse(b, json(FormatUnixMS), sprintf("1763773323123"), false) })
	b.Run("json/auto_number", func(b *testing.B) { benchmarkParse(b, json(FormatAuto), sprintf("1763773323123"), false) })
	b.Run("json/rfc3339", func(b *testing.B) {
		benchmarkParse(b, json(FormatRFC3339), sprintf(`"2025-11-22T06:32:03.123+05:30"`), false)
	})
	b.Run("json/auto_string", func(b *testing.B) {
		benchmarkParse(b, json(FormatAuto), sprintf(`"2025-11-22T01:02:03.123456Z"`), false)
	})
	b.Run("json/fallback_missing", func(b *testing.B) { benchmarkParse(b, json(FormatAuto), `{"a":1}`, true) })
	b.Run("json/fallback_malformed", func(b *testing.B) { benchmarkParse(b, json(FormatAuto), `{"a":`, true) })
}

// replaceTS puts ts in place of the %s in tmpl.
func replaceTS(tmpl, ts string) string {
	for i := 0; i+1 < len(tmpl); i++ {
		if tmpl[i] == '%' && tmpl[i+1] == 's' {
			return tmpl[:i] + ts + tmpl[i+2:]
		}
	}
	return tmpl
}

// BenchmarkText measures the text parsers: decoding a line into fields and
// reading the event time from one of them.
func BenchmarkText(b *testing.B) {
	const line = `ts=2026-11-22T01:02:03.123Z level=info user=ada msg="signed in from the web" dur=1.5s status=200`
	iso := TimeConfig{Field: "ts", Format: FormatAuto}
	for _, bc := range []struct {
		name string
		typ  string
		opts any
	}{
		{"kv", TypeKV, nil},
		{"logfmt", TypeLogfmt, nil},
		{"regex", TypeRegex, &RegexOptions{Pattern: `^ts=(?P<ts>\S+) level=(?P<level>\S+) user=(?P<user>\S+)`}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := textStage(b, bc.typ, bc.opts, iso)
			recs := make([]model.Record, 1)
			b.ReportAllocs()
			b.SetBytes(int64(len(line)))
			for b.Loop() {
				recs[0] = model.Record{Value: []byte(line)}
				batch := model.Batch{Records: recs}
				if err := s.ParseBatch(&batch); err != nil || batch.Records[0].EventTimeFallback {
					b.Fatal("not parsed")
				}
			}
		})
	}
}
