package parse

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/stages"
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
	parser := stage.parser
	kafka := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	minTime, maxTime := time.Unix(minUnix, 0), time.Unix(maxUnix+1, 0)

	f.Fuzz(func(t *testing.T, value []byte) {
		orig := bytes.Clone(value)
		want, perr := parser.EventTime(value)
		rec := &stages.Record{Value: value, Timestamp: kafka}
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

// FuzzRFC3339 checks the hand-written RFC 3339 reader against time.Parse:
// whatever both accept they read alike, and whatever time.Parse accepts in
// range the reader accepts too, with one exception: time.Parse takes an hour
// of offset up to 99 and the reader only up to 23, as RFC 3339 says.
func FuzzRFC3339(f *testing.F) {
	for _, seed := range []string{
		"2025-11-22T01:02:03Z", "2025-11-22T01:02:03.123456789+05:30", "2024-02-29T23:59:59-23:59",
		"0001-01-01T00:00:00Z", "9999-12-31T23:59:59.9999999999Z", "2025-11-22t01:02:03z", "2025-13-01T00:00:00Z",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := rfc3339Time([]byte(s))
		ref, refErr := time.Parse(time.RFC3339Nano, s)
		if err == nil {
			require.Equal(t, time.UTC, got.Location())
			if refErr == nil {
				require.True(t, ref.Equal(got), "%q: time.Parse %v, rfc3339Time %v", s, ref, got)
			}
			return
		}
		if refErr == nil && ref.Year() >= 1 && ref.Year() <= 9999 && ref.UTC().Year() >= 1 && ref.UTC().Year() <= 9999 &&
			len(s) > 19 && len(s) <= 35 && s[10] == 'T' && s[19] != ',' {
			if _, off := ref.Zone(); off/3600 <= 23 && off/3600 >= -23 {
				t.Fatalf("%q: time.Parse reads %v, rfc3339Time fails: %v", s, ref, err)
			}
		}
	})
}
