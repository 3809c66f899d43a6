package parse

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// utc is a shorthand for expected times.
func utc(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
	return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
}

func TestJSONEventTime(t *testing.T) {
	ref := utc(2025, time.November, 22, 1, 2, 3, 0)
	tests := []struct {
		name   string
		field  string
		format string
		value  string
		want   time.Time
		err    error
	}{
		// Numbers in each unit.
		{"unix_s", "ts", FormatUnixS, `{"ts":1763773323}`, ref, nil},
		{"unix_s fraction", "ts", FormatUnixS, `{"ts":1763773323.25}`, ref.Add(250 * time.Millisecond), nil},
		{"unix_s nine digits", "ts", FormatUnixS, `{"ts":1763773323.123456789}`, ref.Add(123456789), nil},
		{"unix_s extra digits dropped", "ts", FormatUnixS, `{"ts":1763773323.1234567899}`, ref.Add(123456789), nil},
		{"unix_s exponent", "ts", FormatUnixS, `{"ts":1.763773323e9}`, ref, nil},
		{"unix_s negative fraction", "ts", FormatUnixS, `{"ts":-0.5}`, utc(1969, 12, 31, 23, 59, 59, 5e8), nil},
		{"unix_ms", "ts", FormatUnixMS, `{"ts":1763773323123}`, ref.Add(123 * time.Millisecond), nil},
		{"unix_ms fraction", "ts", FormatUnixMS, `{"ts":1763773323123.5}`, ref.Add(123500 * time.Microsecond), nil},
		{"unix_us", "ts", FormatUnixUS, `{"ts":1763773323123456}`, ref.Add(123456 * time.Microsecond), nil},
		{"unix_ns", "ts", FormatUnixNS, `{"ts":1763773323123456789}`, ref.Add(123456789), nil},
		{"unix_ms numeric string", "ts", FormatUnixMS, `{"ts":"1763773323123"}`, ref.Add(123 * time.Millisecond), nil},
		{"unix_s small", "ts", FormatUnixS, `{"ts":0}`, utc(1970, 1, 1, 0, 0, 0, 0), nil},
		// auto by magnitude.
		{"auto seconds", "ts", FormatAuto, `{"ts":1763773323}`, ref, nil},
		{"auto millis", "ts", FormatAuto, `{"ts":1763773323123}`, ref.Add(123 * time.Millisecond), nil},
		{"auto micros", "ts", FormatAuto, `{"ts":1763773323123456}`, ref.Add(123456 * time.Microsecond), nil},
		{"auto nanos", "ts", FormatAuto, `{"ts":1763773323123456789}`, ref.Add(123456789), nil},
		{"auto seconds bound", "ts", FormatAuto, `{"ts":99999999999}`, time.Unix(99999999999, 0).UTC(), nil},
		{"auto millis bound", "ts", FormatAuto, `{"ts":100000000000}`, time.UnixMilli(100000000000).UTC(), nil},
		{"auto numeric string", "ts", FormatAuto, `{"ts":"1763773323123"}`, ref.Add(123 * time.Millisecond), nil},
		{"auto rfc3339", "ts", FormatAuto, `{"ts":"2025-11-22T01:02:03Z"}`, ref, nil},
		{"auto exponent nanos", "ts", FormatAuto, `{"ts":1.763773323e18}`, ref, nil},
		{"default format is auto", "ts", "", `{"ts":1763773323}`, ref, nil},
		// RFC 3339.
		{"rfc3339", "ts", FormatRFC3339, `{"ts":"2025-11-22T01:02:03Z"}`, ref, nil},
		{"rfc3339 nano", "ts", FormatRFC3339, `{"ts":"2025-11-22T01:02:03.123456789Z"}`, ref.Add(123456789), nil},
		{"rfc3339 millis", "ts", FormatRFC3339, `{"ts":"2025-11-22T01:02:03.1Z"}`, ref.Add(100 * time.Millisecond), nil},
		{"rfc3339 offset", "ts", FormatRFC3339, `{"ts":"2025-11-22T06:32:03+05:30"}`, ref, nil},
		{"rfc3339 negative offset", "ts", FormatRFC3339, `{"ts":"2025-11-21T21:02:03-04:00"}`, ref, nil},
		{"rfc3339 lower case", "ts", FormatRFC3339, `{"ts":"2025-11-22t01:02:03z"}`, ref, nil},
		{"rfc3339 escaped", "ts", FormatRFC3339, `{"ts":"2025-11-22T01:02:03\u005A"}`, ref, nil},
		// Nested fields.
		{"nested", "meta.ts", FormatUnixS, `{"meta":{"ts":1763773323}}`, ref, nil},
		{"deeply nested", "a.b.c.ts", FormatUnixS, `{"x":1,"a":{"b":{"y":[1,2],"c":{"ts":1763773323}}}}`, ref, nil},
		{"escaped key", "ts", FormatUnixS, `{"t\u0073":1763773323}`, ref, nil},
		{"whitespace", "meta.ts", FormatUnixS, " {\n\"meta\" : { \"ts\" :\t1763773323 } }\n", ref, nil},
		{"dotted key is a path", "meta.ts", FormatUnixS, `{"meta.ts":1763773323}`, time.Time{}, ErrMissing},
		// Malformed values.
		{"nil", "ts", FormatAuto, "", time.Time{}, ErrMalformed},
		{"empty object", "ts", FormatAuto, `{}`, time.Time{}, ErrMissing},
		{"truncated", "ts", FormatUnixS, `{"ts":1763773323`, time.Time{}, ErrMalformed},
		{"truncated after field", "ts", FormatUnixS, `{"ts":1763773323,"a":`, time.Time{}, ErrMalformed},
		{"trailing garbage", "ts", FormatUnixS, `{"ts":1763773323}x`, time.Time{}, ErrMalformed},
		{"array", "ts", FormatAuto, `[{"ts":1763773323}]`, time.Time{}, ErrMalformed},
		{"number", "ts", FormatAuto, `1763773323`, time.Time{}, ErrMalformed},
		{"string", "ts", FormatAuto, `"ts"`, time.Time{}, ErrMalformed},
		{"null", "ts", FormatAuto, `null`, time.Time{}, ErrMalformed},
		{"not json", "ts", FormatAuto, `ts=1763773323`, time.Time{}, ErrMalformed},
		{"binary", "ts", FormatAuto, "\x00\xff\xfe{", time.Time{}, ErrMalformed},
		// Missing fields.
		{"missing", "ts", FormatAuto, `{"time":1763773323}`, time.Time{}, ErrMissing},
		{"null field", "ts", FormatAuto, `{"ts":null}`, time.Time{}, ErrMissing},
		{"missing parent", "meta.ts", FormatAuto, `{"ts":1763773323}`, time.Time{}, ErrMissing},
		{"null parent", "meta.ts", FormatAuto, `{"meta":null}`, time.Time{}, ErrMissing},
		// Wrong types.
		{"bool", "ts", FormatAuto, `{"ts":true}`, time.Time{}, ErrWrongType},
		{"object", "ts", FormatAuto, `{"ts":{"s":1}}`, time.Time{}, ErrWrongType},
		{"array field", "ts", FormatAuto, `{"ts":[1763773323]}`, time.Time{}, ErrWrongType},
		{"number for rfc3339", "ts", FormatRFC3339, `{"ts":1763773323}`, time.Time{}, ErrWrongType},
		{"parent not object", "meta.ts", FormatAuto, `{"meta":"x"}`, time.Time{}, ErrWrongType},
		{"parent array", "meta.0", FormatAuto, `{"meta":[1763773323]}`, time.Time{}, ErrWrongType},
		// Unparsable.
		{"NaN literal", "ts", FormatAuto, `{"ts":NaN}`, time.Time{}, ErrUnparsable},
		{"Inf literal", "ts", FormatAuto, `{"ts":-Inf}`, time.Time{}, ErrUnparsable},
		{"NaN string", "ts", FormatUnixS, `{"ts":"NaN"}`, time.Time{}, ErrUnparsable},
		{"Infinity string", "ts", FormatAuto, `{"ts":"Infinity"}`, time.Time{}, ErrUnparsable},
		{"empty string", "ts", FormatAuto, `{"ts":""}`, time.Time{}, ErrUnparsable},
		{"hex string", "ts", FormatUnixS, `{"ts":"0x10"}`, time.Time{}, ErrUnparsable},
		{"leading zero", "ts", FormatUnixS, `{"ts":"0123"}`, time.Time{}, ErrUnparsable},
		{"space in numeric string", "ts", FormatUnixS, `{"ts":" 1763773323"}`, time.Time{}, ErrUnparsable},
		{"bad number", "ts", FormatUnixS, `{"ts":1-2}`, time.Time{}, ErrUnparsable},
		{"bad exponent", "ts", FormatUnixS, `{"ts":"1e"}`, time.Time{}, ErrUnparsable},
		{"huge integer", "ts", FormatUnixNS, `{"ts":123456789012345678901234567890}`, time.Time{}, ErrUnparsable},
		{"huge seconds", "ts", FormatUnixS, `{"ts":9223372036854775807}`, time.Time{}, ErrUnparsable},
		{"year 10000", "ts", FormatUnixS, `{"ts":253402300800}`, time.Time{}, ErrUnparsable},
		{"huge exponent", "ts", FormatAuto, `{"ts":1e308}`, time.Time{}, ErrUnparsable},
		{"overflowing exponent", "ts", FormatAuto, `{"ts":1e999}`, time.Time{}, ErrUnparsable},
		{"year 0", "ts", FormatAuto, `{"ts":-62135596801}`, time.Time{}, ErrUnparsable},
		{"year 1", "ts", FormatAuto, `{"ts":-62135596800}`, utc(1, 1, 1, 0, 0, 0, 0), nil},
		{"string for unix", "ts", FormatUnixS, `{"ts":"2025-11-22T01:02:03Z"}`, time.Time{}, ErrUnparsable},
		{"rfc3339 no zone", "ts", FormatRFC3339, `{"ts":"2025-11-22T01:02:03"}`, time.Time{}, ErrUnparsable},
		{"rfc3339 bad day", "ts", FormatRFC3339, `{"ts":"2025-02-29T01:02:03Z"}`, time.Time{}, ErrUnparsable},
		{"rfc3339 leap day", "ts", FormatRFC3339, `{"ts":"2024-02-29T01:02:03Z"}`, utc(2024, 2, 29, 1, 2, 3, 0), nil},
		{"rfc3339 hour 24", "ts", FormatRFC3339, `{"ts":"2025-11-22T24:00:00Z"}`, time.Time{}, ErrUnparsable},
		{"rfc3339 empty fraction", "ts", FormatRFC3339, `{"ts":"2025-11-22T01:02:03.Z"}`, time.Time{}, ErrUnparsable},
		{"rfc3339 date only", "ts", FormatRFC3339, `{"ts":"2025-11-22"}`, time.Time{}, ErrUnparsable},
		{"rfc3339 year 0", "ts", FormatRFC3339, `{"ts":"0000-01-01T00:00:00Z"}`, time.Time{}, ErrUnparsable},
		{"rfc3339 offset past year 9999", "ts", FormatRFC3339, `{"ts":"9999-12-31T23:00:00-02:00"}`, time.Time{}, ErrUnparsable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testJSON(t, JSONConfig{TimeField: tt.field, TimeFormat: tt.format})
			var value []byte
			if tt.value != "" {
				value = []byte(tt.value)
			}
			got, err := p.eventTime(value)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, time.UTC, got.Location())
		})
	}
}

func TestJSONEventTimeHugeValue(t *testing.T) {
	p := testJSON(t, JSONConfig{TimeField: "ts"})
	deep := strings.Repeat(`{"a":`, 100_000) + "1" + strings.Repeat("}", 100_000)
	_, err := p.eventTime([]byte(deep))
	require.ErrorIs(t, err, ErrMalformed, "nesting past the JSON library's depth limit")

	big := `{"pad":"` + strings.Repeat("x", 4<<20) + `","ts":1763773323}`
	got, err := p.eventTime([]byte(big))
	require.NoError(t, err)
	assert.Equal(t, int64(1763773323), got.Unix())
}

func TestNewJSONRejectsBadConfig(t *testing.T) {
	for _, cfg := range []JSONConfig{
		{TimeField: ""},
		{TimeField: "meta..ts"},
		{TimeField: ".ts"},
		{TimeField: "ts", TimeFormat: "unix_minutes"},
	} {
		_, err := newJSON(TimeConfig{Field: cfg.TimeField, Format: cfg.TimeFormat})
		require.ErrorIs(t, err, ErrInvalidConfig, "%+v", cfg)
	}
}

// testJSON builds the json parser of cfg.
func testJSON(t *testing.T, cfg JSONConfig) *jsonParser {
	t.Helper()
	p, err := newJSON(Config{Type: TypeJSON, JSON: cfg}.jsonTime())
	require.NoError(t, err)
	return p.(*jsonParser)
}
