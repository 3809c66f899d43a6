package timefmt

import (
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

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

// FuzzTimeText reads arbitrary strings with every format: never a panic,
// and a time read is in UTC within the years 1 to 9999.
func FuzzTimeText(f *testing.F) {
	for _, seed := range []string{"2026-11-22T01:02:03", "2026-11-22 01:02+01", "2026-03-29T02:30", "1763773323",
		"22/Nov/2026:01:02:03 +0100", "9999-12-31T23:59:59-2359", "0001-01-01", "-1e300"} {
		f.Add(seed)
	}
	var tfs []*Format
	for _, c := range [][3]string{{Auto, "", "Europe/Berlin"}, {ISO8601, "", "America/New_York"},
		{UnixMS, "", ""}, {Layout, "02/Jan/2006:15:04:05 -0700", ""}, {Layout, "yyyy-MM-dd HH:mm", "Asia/Kolkata"}} {
		tf, err := New(c[0], c[1], c[2])
		require.NoError(f, err)
		tfs = append(tfs, tf)
	}
	minTime, maxTime := time.Unix(MinUnix, 0), time.Unix(MaxUnix+1, 0)
	f.Fuzz(func(t *testing.T, s string) {
		for _, tf := range tfs {
			got, err := tf.Value(s)
			if err != nil {
				continue
			}
			require.Equal(t, time.UTC, got.Location(), "%q", s)
			require.False(t, got.Before(minTime) || !got.Before(maxTime), "%q: %v out of range", s, got)
		}
	})
}
