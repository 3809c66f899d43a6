package parse

import (
	"bytes"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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
	minTime, maxTime := time.Unix(minUnix, 0), time.Unix(maxUnix+1, 0)

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

// strictRFC3339 is the RFC 3339 date-time grammar, stricter than
// time.Parse (which takes one-digit hours, for one).
var strictRFC3339 = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$`)

// FuzzRFC3339 checks the hand-written RFC 3339 reader against time.Parse:
// what both accept they read alike; what the reader accepts follows the
// grammar; and what time.Parse accepts, follows the grammar, has an offset
// within ±23:59 (minutes up to 59) and lies in the years 1 to 9999, the reader accepts too.
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
			require.Regexp(t, strictRFC3339, s)
			if refErr == nil {
				require.True(t, ref.Equal(got), "%q: time.Parse %v, rfc3339Time %v", s, ref, got)
			}
			return
		}
		if refErr != nil || !strictRFC3339.MatchString(s) || s[len(s)-3] == ':' && s[len(s)-2:] > "59" {
			return // time.Parse also takes offsets like +00:60
		}
		_, off := ref.Zone()
		if off > -24*3600 && off < 24*3600 && ref.UTC().Year() >= 1 && ref.UTC().Year() <= 9999 {
			t.Fatalf("%q: time.Parse reads %v, rfc3339Time fails: %v", s, ref, err)
		}
	})
}
