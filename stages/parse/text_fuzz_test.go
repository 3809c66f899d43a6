package parse

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
)

// fuzzText runs arbitrary values through a text parser's stage: it must
// not panic, must not change the value, must either reject the record
// (keeping its bytes) or give it string fields, and must give it a UTC
// event time.
func fuzzText(f *testing.F, s *Stage, seeds ...string) {
	for _, seed := range seeds {
		f.Add([]byte(seed))
	}
	kafka := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, value []byte) {
		orig := bytes.Clone(value)
		b := &model.Batch{Records: []model.Record{{Value: value, Timestamp: kafka}}}
		require.NoError(t, s.ParseBatch(b))
		require.Equal(t, orig, value, "the value must not change")
		if len(b.Rejected) == 1 {
			require.Empty(t, b.Records)
			require.Equal(t, orig, b.Rejected[0].Record.Value)
			require.NotEmpty(t, b.Rejected[0].Reason)
			return
		}
		require.Len(t, b.Records, 1)
		rec := &b.Records[0]
		require.False(t, rec.Changed())
		m, err := rec.Fields()
		require.NoError(t, err)
		for k, v := range m {
			require.NotEmpty(t, k)
			_, ok := v.(string)
			require.True(t, ok, "field %q is a %T", k, v)
		}
		require.Equal(t, time.UTC, rec.EventTime.Location())
	})
}

func FuzzRegex(f *testing.F) {
	s := textStage(f, TypeRegex, &RegexOptions{Pattern: `(?P<k>\w+)=(?P<v>[^ ]*)(?: (?P<ts>\S+))?`}, TimeConfig{Field: "ts"})
	fuzzText(f, s, "a=1 2026-11-22T01:02:03Z", "a= ", "", "\xff=\xfe", "k=v 1763773323")
}

func FuzzKV(f *testing.F) {
	s := textStage(f, TypeKV, nil, TimeConfig{Field: "ts", Format: FormatISO8601, Zone: "Europe/Berlin"})
	fuzzText(f, s, `ts="2026-10-25 02:30" a=1`, `a="x\"y\\" b=`, `a="`, `a="\`, `=x`, " \r\n", `a=1 a=2`, "a=\xff")
}

func FuzzLogfmt(f *testing.F) {
	s := textStage(f, TypeLogfmt, nil, TimeConfig{Field: "ts", Format: FormatLayout, Layout: "yyyy-MM-dd HH:mm:ss.SSS"})
	fuzzText(f, s, `ts="2026-11-22 01:02:03.123" level=info`, `a="\u00e9"`, `a="\ud800"`, "a=1\nb=2", `"=`, "a=\"\x00\"", "k\xff=1")
}
