package parse

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
)

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
