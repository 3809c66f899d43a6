package timefmt

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTimeFormats(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		require.NoError(t, err)
		return v.UTC()
	}
	tests := []struct {
		name, format, layout, zone string
		value                      any
		want                       string // RFC 3339 in UTC; "" for an error
		err                        error
	}{
		{"auto rfc3339", Auto, "", "", "2026-11-22T01:02:03.5+01:00", "2026-11-22T00:02:03.5Z", nil},
		{"auto iso without zone", Auto, "", "Asia/Kolkata", "2026-11-22T05:32:03", "2026-11-22T00:02:03Z", nil},
		{"auto date", Auto, "", "", "2026-11-22", "2026-11-22T00:00:00Z", nil},
		{"auto numeric string", Auto, "", "", "1763773323123", "2025-11-22T01:02:03.123Z", nil},
		{"auto int64", Auto, "", "", int64(1763773323), "2025-11-22T01:02:03Z", nil},
		{"auto uint64", Auto, "", "", uint64(1763773323123456), "2025-11-22T01:02:03.123456Z", nil},
		{"auto float64", Auto, "", "", 1763773323.5, "2025-11-22T01:02:03.5Z", nil},
		{"auto json.Number", Auto, "", "", json.Number("1763773323000000000"), "2025-11-22T01:02:03Z", nil},
		{"time.Time as is", UnixMS, "", "", at("2026-11-22T01:02:03+05:00"), "2026-11-21T20:02:03Z", nil},
		{"unix_s string", UnixS, "", "", "1763773323", "2025-11-22T01:02:03Z", nil},
		{"unix_ms", UnixMS, "", "", int64(1763773323123), "2025-11-22T01:02:03.123Z", nil},
		{"unix_us", UnixUS, "", "", json.Number("1763773323123456"), "2025-11-22T01:02:03.123456Z", nil},
		{"unix_ns", UnixNS, "", "", "1763773323123456789", "2025-11-22T01:02:03.123456789Z", nil},
		{"rfc3339", RFC3339, "", "Europe/Berlin", "2026-11-22T01:02:03Z", "2026-11-22T01:02:03Z", nil},
		{"iso8601 zone ignored when written", ISO8601, "", "Europe/Berlin", "2026-11-22T01:02:03-0330", "2026-11-22T04:32:03Z", nil},
		{"iso8601 hour offset", ISO8601, "", "", "2026-11-22 01:02+01", "2026-11-22T00:02:00Z", nil},
		{"iso8601 comma fraction", ISO8601, "", "", "2026-11-22T01:02:03,25", "2026-11-22T01:02:03.25Z", nil},
		{"iso8601 winter", ISO8601, "", "Europe/Berlin", "2026-01-15T12:00:00", "2026-01-15T11:00:00Z", nil},
		{"iso8601 summer", ISO8601, "", "Europe/Berlin", "2026-07-15T12:00:00", "2026-07-15T10:00:00Z", nil},
		{"iso8601 New York summer", ISO8601, "", "America/New_York", "2026-07-15 12:00", "2026-07-15T16:00:00Z", nil},
		// 2026-03-29 02:30 does not exist in Berlin (clocks go from 02:00 to
		// 03:00): read with the offset before the change, +01:00.
		{"iso8601 DST gap", ISO8601, "", "Europe/Berlin", "2026-03-29T02:30:00", "2026-03-29T01:30:00Z", nil},
		// 2026-10-25 02:30 happens twice in Berlin: the earlier, +02:00.
		{"iso8601 DST overlap", ISO8601, "", "Europe/Berlin", "2026-10-25T02:30:00", "2026-10-25T00:30:00Z", nil},
		{"layout DST overlap", Layout, "2006-01-02 15:04", "Europe/Berlin", "2026-10-25 02:30", "2026-10-25T00:30:00Z", nil},
		{"layout DST gap", Layout, "2006-01-02 15:04", "America/New_York", "2026-03-08 02:30", "2026-03-08T07:30:00Z", nil},
		{"iso8601 Lord Howe half-hour DST", ISO8601, "", "Australia/Lord_Howe", "2026-01-15T12:00", "2026-01-15T01:00:00Z", nil},
		{"go layout", Layout, "02/Jan/2006:15:04:05 -0700", "", "22/Nov/2026:01:02:03 +0100", "2026-11-22T00:02:03Z", nil},
		{"go layout in zone", Layout, "2006-01-02 15:04:05.000", "Europe/Berlin", "2026-07-01 12:00:00.250", "2026-07-01T10:00:00.25Z", nil},
		{"java layout", Layout, "yyyy-MM-dd'T'HH:mm:ss.SSS", "Europe/Berlin", "2026-11-22T01:02:03.123", "2026-11-22T00:02:03.123Z", nil},
		{"java layout with zone", Layout, "dd/MMM/yyyy:HH:mm:ss Z", "", "22/Nov/2026:01:02:03 -0200", "2026-11-22T03:02:03Z", nil},
		{"java layout quote", Layout, "yyyyMMdd''HHmm", "", "20261122'0102", "2026-11-22T01:02:00Z", nil},
		{"layout mismatch", Layout, "2006-01-02", "", "22.11.2026", "", ErrUnparsable},
		{"rfc3339 refuses numbers", RFC3339, "", "", int64(1), "", ErrWrongType},
		{"iso8601 refuses numbers", ISO8601, "", "", json.Number("1"), "", ErrWrongType},
		{"bool", Auto, "", "", true, "", ErrWrongType},
		{"map", Auto, "", "", map[string]any{}, "", ErrWrongType},
		{"nil", Auto, "", "", nil, "", ErrMissing},
		{"NaN", Auto, "", "", math.NaN(), "", ErrUnparsable},
		{"garbage", Auto, "", "", "2026-11-22Tnope", "", ErrUnparsable},
		{"iso bad offset", ISO8601, "", "", "2026-11-22T01:02:03+1", "", ErrUnparsable},
		{"iso bad day", ISO8601, "", "", "2026-02-30", "", ErrUnparsable},
		{"year 10000", Auto, "", "", at("9999-12-31T23:59:59Z").Add(time.Hour), "", ErrUnparsable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := New(tt.format, tt.layout, tt.zone)
			require.NoError(t, err)
			got, err := f.Value(tt.value)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.UTC().Format(time.RFC3339Nano))
		})
	}
}

func TestJavaLayout(t *testing.T) {
	for java, want := range map[string]string{
		"yyyy-MM-dd HH:mm:ss":          "2006-01-02 15:04:05",
		"yyyy-MM-dd'T'HH:mm:ss.SSSXXX": "2006-01-02T15:04:05.000Z07:00",
		"EEE, d MMM yyyy hh:mm a z":    "Mon, 2 Jan 2006 03:04 PM MST",
		"yyMMdd":                       "060102",
	} {
		got, err := javaLayout(java)
		require.NoError(t, err, java)
		assert.Equal(t, want, got, java)
	}
	for _, bad := range []string{"yyyy-MM-dd 'T", "yyyy1", "SSS yyyy", "yyyy-MM-dd G"} {
		_, err := javaLayout(bad)
		assert.Error(t, err, bad)
	}
}
