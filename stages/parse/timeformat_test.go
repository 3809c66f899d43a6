package parse

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
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
		{"auto rfc3339", FormatAuto, "", "", "2026-11-22T01:02:03.5+01:00", "2026-11-22T00:02:03.5Z", nil},
		{"auto iso without zone", FormatAuto, "", "Asia/Kolkata", "2026-11-22T05:32:03", "2026-11-22T00:02:03Z", nil},
		{"auto date", FormatAuto, "", "", "2026-11-22", "2026-11-22T00:00:00Z", nil},
		{"auto numeric string", FormatAuto, "", "", "1763773323123", "2025-11-22T01:02:03.123Z", nil},
		{"auto int64", FormatAuto, "", "", int64(1763773323), "2025-11-22T01:02:03Z", nil},
		{"auto uint64", FormatAuto, "", "", uint64(1763773323123456), "2025-11-22T01:02:03.123456Z", nil},
		{"auto float64", FormatAuto, "", "", 1763773323.5, "2025-11-22T01:02:03.5Z", nil},
		{"auto json.Number", FormatAuto, "", "", json.Number("1763773323000000000"), "2025-11-22T01:02:03Z", nil},
		{"time.Time as is", FormatUnixMS, "", "", at("2026-11-22T01:02:03+05:00"), "2026-11-21T20:02:03Z", nil},
		{"unix_s string", FormatUnixS, "", "", "1763773323", "2025-11-22T01:02:03Z", nil},
		{"unix_ms", FormatUnixMS, "", "", int64(1763773323123), "2025-11-22T01:02:03.123Z", nil},
		{"unix_us", FormatUnixUS, "", "", json.Number("1763773323123456"), "2025-11-22T01:02:03.123456Z", nil},
		{"unix_ns", FormatUnixNS, "", "", "1763773323123456789", "2025-11-22T01:02:03.123456789Z", nil},
		{"rfc3339", FormatRFC3339, "", "Europe/Berlin", "2026-11-22T01:02:03Z", "2026-11-22T01:02:03Z", nil},
		{"iso8601 zone ignored when written", FormatISO8601, "", "Europe/Berlin", "2026-11-22T01:02:03-0330", "2026-11-22T04:32:03Z", nil},
		{"iso8601 hour offset", FormatISO8601, "", "", "2026-11-22 01:02+01", "2026-11-22T00:02:00Z", nil},
		{"iso8601 comma fraction", FormatISO8601, "", "", "2026-11-22T01:02:03,25", "2026-11-22T01:02:03.25Z", nil},
		{"iso8601 winter", FormatISO8601, "", "Europe/Berlin", "2026-01-15T12:00:00", "2026-01-15T11:00:00Z", nil},
		{"iso8601 summer", FormatISO8601, "", "Europe/Berlin", "2026-07-15T12:00:00", "2026-07-15T10:00:00Z", nil},
		{"iso8601 New York summer", FormatISO8601, "", "America/New_York", "2026-07-15 12:00", "2026-07-15T16:00:00Z", nil},
		// 2026-03-29 02:30 does not exist in Berlin (clocks go from 02:00 to
		// 03:00): read with the offset before the change, +01:00.
		{"iso8601 DST gap", FormatISO8601, "", "Europe/Berlin", "2026-03-29T02:30:00", "2026-03-29T01:30:00Z", nil},
		// 2026-10-25 02:30 happens twice in Berlin: the earlier, +02:00.
		{"iso8601 DST overlap", FormatISO8601, "", "Europe/Berlin", "2026-10-25T02:30:00", "2026-10-25T00:30:00Z", nil},
		{"layout DST overlap", FormatLayout, "2006-01-02 15:04", "Europe/Berlin", "2026-10-25 02:30", "2026-10-25T00:30:00Z", nil},
		{"layout DST gap", FormatLayout, "2006-01-02 15:04", "America/New_York", "2026-03-08 02:30", "2026-03-08T07:30:00Z", nil},
		{"iso8601 Lord Howe half-hour DST", FormatISO8601, "", "Australia/Lord_Howe", "2026-01-15T12:00", "2026-01-15T01:00:00Z", nil},
		{"go layout", FormatLayout, "02/Jan/2006:15:04:05 -0700", "", "22/Nov/2026:01:02:03 +0100", "2026-11-22T00:02:03Z", nil},
		{"go layout in zone", FormatLayout, "2006-01-02 15:04:05.000", "Europe/Berlin", "2026-07-01 12:00:00.250", "2026-07-01T10:00:00.25Z", nil},
		{"java layout", FormatLayout, "yyyy-MM-dd'T'HH:mm:ss.SSS", "Europe/Berlin", "2026-11-22T01:02:03.123", "2026-11-22T00:02:03.123Z", nil},
		{"java layout with zone", FormatLayout, "dd/MMM/yyyy:HH:mm:ss Z", "", "22/Nov/2026:01:02:03 -0200", "2026-11-22T03:02:03Z", nil},
		{"java layout quote", FormatLayout, "yyyyMMdd''HHmm", "", "20261122'0102", "2026-11-22T01:02:00Z", nil},
		{"layout mismatch", FormatLayout, "2006-01-02", "", "22.11.2026", "", ErrUnparsable},
		{"rfc3339 refuses numbers", FormatRFC3339, "", "", int64(1), "", ErrWrongType},
		{"iso8601 refuses numbers", FormatISO8601, "", "", json.Number("1"), "", ErrWrongType},
		{"bool", FormatAuto, "", "", true, "", ErrWrongType},
		{"map", FormatAuto, "", "", map[string]any{}, "", ErrWrongType},
		{"nil", FormatAuto, "", "", nil, "", ErrMissing},
		{"NaN", FormatAuto, "", "", math.NaN(), "", ErrUnparsable},
		{"garbage", FormatAuto, "", "", "2026-11-22Tnope", "", ErrUnparsable},
		{"iso bad offset", FormatISO8601, "", "", "2026-11-22T01:02:03+1", "", ErrUnparsable},
		{"iso bad day", FormatISO8601, "", "", "2026-02-30", "", ErrUnparsable},
		{"year 10000", FormatAuto, "", "", at("9999-12-31T23:59:59Z").Add(time.Hour), "", ErrUnparsable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := newTimeFormat(tt.format, tt.layout, tt.zone)
			require.NoError(t, err)
			got, err := f.value(tt.value)
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

// TestTimeSources: source none gives every record the epoch, kafka the
// Kafka timestamp; the json parser takes the time section too, and a
// registered parser that decodes in EventTime still runs.
func TestTimeSources(t *testing.T) {
	none := textStage(t, TypeLogfmt, nil, TimeConfig{Source: SourceNone})
	rec := record(`ts=2026-11-22T01:02:03Z`)
	none.Parse(rec)
	assert.Equal(t, time.Unix(0, 0).UTC(), rec.EventTime)
	assert.False(t, rec.EventTimeFallback)

	for _, src := range []string{SourceNone, SourceKafka} {
		cfg := DefaultConfig()
		cfg.Type, cfg.Time.Source = TypeJSON, src
		require.NoError(t, cfg.Validate())
		s, err := New(cfg, Settings{})
		require.NoError(t, err)
		rec := record(`{"ts":1}`)
		s.Parse(rec)
		if src == SourceKafka {
			assert.True(t, kafkaTime.Equal(rec.EventTime))
		} else {
			assert.Equal(t, epoch, rec.EventTime)
		}
	}

	cfg := DefaultConfig()
	cfg.Type, cfg.Time = TypeJSON, TimeConfig{Field: "at", Format: FormatLayout, Layout: "yyyy-MM-dd HH:mm", Zone: "America/New_York"}
	require.NoError(t, cfg.Validate())
	s, err := New(cfg, Settings{})
	require.NoError(t, err)
	rec = record(`{"at":"2026-07-04 12:00"}`)
	s.Parse(rec)
	assert.Equal(t, "2026-07-04T16:00:00Z", rec.EventTime.Format(rfc3339))

	// A raw topic reads a field of its JSON value through the fields.
	raw := textStage(t, TypeRaw, nil, TimeConfig{Field: "a.b", Format: FormatUnixS})
	rec = record(`{"a":{"b":"1763773323"}}`)
	raw.Parse(rec)
	assert.Equal(t, int64(1763773323), rec.EventTime.Unix())
	for _, v := range []string{`{"a":1}`, `{"a":{"c":1}}`, `{"a":null}`, `not json`} {
		rec := record(v)
		raw.Parse(rec)
		assert.True(t, rec.EventTimeFallback, v)
	}
	assert.Equal(t, Stats{Parsed: 1, Fallbacks: 4, Malformed: 1, Missing: 2, WrongType: 1}, raw.Stats())

	// A registered parser that sets fields in EventTime: the stage calls it,
	// then reads the field.
	require.NoError(t, Register(NewFactory("test-setsfields", nil, func(struct{}, Settings) (Parser, error) {
		return Func(func(rec *model.Record) (time.Time, error) {
			rec.SetDecoded(map[string]any{"when": int64(1763773323)})
			return time.Time{}, ErrMissing
		}), nil
	})))
	custom := textStage(t, "test-setsfields", nil, TimeConfig{Field: "when"})
	rec = record(`x`)
	custom.Parse(rec)
	assert.False(t, rec.EventTimeFallback)
	assert.Equal(t, int64(1763773323), rec.EventTime.Unix())
}

// TestLayoutZoneAbbreviation: a zone abbreviation in a layout is read in
// the configured zone, whatever the host's local zone is.
func TestLayoutZoneAbbreviation(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	require.NoError(t, err)
	local := time.Local
	time.Local = la // a host in California
	defer func() { time.Local = local }()
	for zone, want := range map[string]string{"UTC": "2026-11-22T10:00:00Z", "America/Los_Angeles": "2026-11-22T18:00:00Z"} {
		cfg := DefaultConfig()
		cfg.Type, cfg.Time = TypeJSON, TimeConfig{Field: "at", Format: FormatLayout, Layout: "2006-01-02 15:04 MST", Zone: zone}
		require.NoError(t, cfg.Validate())
		s, err := New(cfg, Settings{})
		require.NoError(t, err)
		rec := record(`{"at":"2026-11-22 10:00 PST"}`)
		s.Parse(rec)
		assert.Equal(t, want, rec.EventTime.Format(rfc3339), zone)
	}
}
