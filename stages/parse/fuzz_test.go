package parse

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/internal/timefmt"
	"github.com/sluicehq/sluice/model"
)

// FuzzParseJSON feeds arbitrary values to the json parser, through the stage:
// it must not panic, must fall back exactly when the parser fails, must give
// UTC times within the years 1 to 9999, and must leave the value untouched.
func FuzzParseJSON(f *testing.F) {
	for _, seed := range []string{
		`{"meta":{"ts":1763773323123}}`, `{"meta":{"ts":"2025-11-22T01:02:03.5+05:30"}}`,
		`{"meta":{"ts":"1763773323"}}`, `{"meta":{"ts":1.7e9}}`, `{"meta":{"ts":-1e308}}`,
		`{"meta":{"ts":NaN}}`, `{"meta":{"ts":"9999-12-31T23:59:59.999999999-23:59"}}`,
		`{"meta":{"ts":123456789012345678901234567890}}`, `{"meta":[1]}`, `{"meta":`, ``, `null`,
		"\xff", `{"meta":{"ts":"\u0031"}}`,
	} {
		f.Add([]byte(seed))
	}
	stage, err := New(Config{Type: TypeJSON, JSON: JSONConfig{TimeField: "meta.ts"}}, Settings{})
	require.NoError(f, err)
	parser := stage.parser.(*jsonParser)
	kafka := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	minTime, maxTime := time.Unix(timefmt.MinUnix, 0), time.Unix(timefmt.MaxUnix+1, 0)

	f.Fuzz(func(t *testing.T, value []byte) {
		orig := bytes.Clone(value)
		want, perr := parser.eventTime(value)
		rec := &model.Record{Value: value, Timestamp: kafka}
		stage.Parse(rec)
		require.Equal(t, orig, value, "the value must not change")
		require.Equal(t, perr != nil, rec.EventTimeFallback, "fallback ⇔ error (%v)", perr)
		if perr != nil {
			require.Equal(t, kafka, rec.EventTime)
			return
		}
		require.Equal(t, want, rec.EventTime)
		require.Equal(t, time.UTC, rec.EventTime.Location())
		require.False(t, rec.EventTime.Before(minTime) || !rec.EventTime.Before(maxTime), "%v out of range", rec.EventTime)
	})
}
