package parse

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/schema"
)

// textStage builds the stage of a text parser with options opts.
func textStage(t testing.TB, typ string, opts any, tc TimeConfig) *Stage {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Type = typ
	if opts != nil {
		cfg.Options = conf.OptionsOf(opts)
	}
	if tc.Format == "" {
		tc.Format = FormatAuto
	}
	if tc.Zone == "" {
		tc.Zone = "UTC"
	}
	cfg.Time = tc
	require.NoError(t, cfg.Validate())
	s, err := New(cfg, Settings{})
	require.NoError(t, err)
	return s
}

// decodeOne runs value through the stage's ParseBatch and returns the
// record's fields, or the rejection's reason.
func decodeOne(t *testing.T, s *Stage, value string) (map[string]any, string) {
	t.Helper()
	rec := record(value)
	rec.Value = []byte(value) // "" is an empty value, not a tombstone
	b := &model.Batch{Records: []model.Record{*rec}}
	require.NoError(t, s.ParseBatch(b))
	if len(b.Rejected) > 0 {
		require.Empty(t, b.Records)
		assert.Equal(t, value, string(b.Rejected[0].Record.Value), "the original bytes are kept")
		return nil, b.Rejected[0].Reason
	}
	require.Len(t, b.Records, 1)
	rec = &b.Records[0]
	assert.False(t, rec.Changed(), "the line stays the archived value")
	require.NoError(t, rec.Sync())
	assert.Equal(t, value, string(rec.Value))
	m, err := rec.Fields()
	require.NoError(t, err)
	return m, ""
}

type textCase struct {
	name   string
	value  string
	want   map[string]any
	reject string // part of the reason
}

func runTextCases(t *testing.T, s *Stage, cases []textCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got, reason := decodeOne(t, s, tt.value)
			if tt.reject != "" {
				assert.Contains(t, reason, tt.reject)
				return
			}
			assert.Empty(t, reason)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRegexParser(t *testing.T) {
	s := textStage(t, TypeRegex, &RegexOptions{
		Pattern: `^(?P<ip>\S+) - (?<user>\S+) \[(?P<ts>[^\]]+)\] "(?P<req>[^"]*)"(?: (?P<status>\d{3}))?$`}, TimeConfig{})
	runTextCases(t, s, []textCase{
		{"access log", `10.0.0.1 - ada [22/Nov/2026:01:02:03 +0100] "GET / HTTP/1.1" 200`,
			map[string]any{"ip": "10.0.0.1", "user": "ada", "ts": "22/Nov/2026:01:02:03 +0100", "req": "GET / HTTP/1.1", "status": "200"}, ""},
		{"optional group left out", `10.0.0.1 - - [x] ""`,
			map[string]any{"ip": "10.0.0.1", "user": "-", "ts": "x", "req": ""}, ""},
		{"no match", `not an access log`, nil, "does not match"},
		{"empty", ``, nil, "does not match"},
		{"invalid utf-8", "\xff - a [b] \"c\"", map[string]any{"ip": "\xff", "user": "a", "ts": "b", "req": "c"}, ""},
	})
	b := &model.Batch{Records: []model.Record{{Offset: 1}}} // a tombstone
	require.NoError(t, s.ParseBatch(b))
	assert.Len(t, b.Records, 1, "a tombstone is archived, not rejected")
	assert.Equal(t, uint64(2), s.Stats().Rejected, "no match, empty")
}

func TestKVParser(t *testing.T) {
	s := textStage(t, TypeKV, nil, TimeConfig{})
	runTextCases(t, s, []textCase{
		{"pairs", `a=1 b=two  c= d=x=y`, map[string]any{"a": "1", "b": "two", "c": "", "d": "x=y"}, ""},
		{"quoted", `msg="hello \"you\"\n" path="C:\\x" e=""`,
			map[string]any{"msg": "hello \"you\"\n", "path": `C:\x`, "e": ""}, ""},
		{"quote inside a bare value", `a=x"y`, map[string]any{"a": `x"y`}, ""},
		{"repeated key keeps the last", `a=1 a=2`, map[string]any{"a": "2"}, ""},
		{"trailing newline", "a=1 b=2\r\n", map[string]any{"a": "1", "b": "2"}, ""},
		{"unicode", `ключ=значение`, map[string]any{"ключ": "значение"}, ""},
		{"word without separator", `a=1 oops`, nil, "want key=value at byte 4"},
		{"empty key", `=1`, nil, "empty key"},
		{"unterminated quote", `a="x y`, nil, "unterminated quote"},
		{"text after quote", `a="x"y`, nil, "want a separator after the quoted value"},
		{"nothing", `   `, nil, "no fields"},
	})

	amp := textStage(t, TypeKV, &KVOptions{PairSeparator: "&", KVSeparator: ":", Quotes: false}, TimeConfig{})
	runTextCases(t, amp, []textCase{
		{"custom separators", `a:1&&b:"x y"&c:a:b`, map[string]any{"a": "1", "b": `"x y"`, "c": "a:b"}, ""},
		{"no kv separator", `a:1&b`, nil, "want key:value"},
	})
}

func TestLogfmtParser(t *testing.T) {
	s := textStage(t, TypeLogfmt, nil, TimeConfig{})
	runTextCases(t, s, []textCase{
		{"line", `ts=2026-11-22T01:02:03Z level=info msg="signed in" dur=1.5s`,
			map[string]any{"ts": "2026-11-22T01:02:03Z", "level": "info", "msg": "signed in", "dur": "1.5s"}, ""},
		{"escapes", `msg="a \"b\" \u00e9\n"`, map[string]any{"msg": "a \"b\" é\n"}, ""},
		{"bare keys", `flag other= x=1`, map[string]any{"flag": "", "other": "", "x": "1"}, ""},
		{"trailing newline", "a=1\n", map[string]any{"a": "1"}, ""},
		{"two lines", "a=1\nb=2", nil, "more than one line"},
		{"unterminated", `a="x`, nil, "unterminated quoted value"},
		{"bad key", `"a"=1`, nil, "unexpected"},
		{"empty", ``, nil, "no fields"},
	})
}

func TestTextParserEventTime(t *testing.T) {
	s := textStage(t, TypeLogfmt, nil, TimeConfig{Field: "ts", Format: FormatISO8601, Zone: "Europe/Berlin"})
	b := &model.Batch{Records: []model.Record{
		*record(`ts="2026-07-01 12:00:00" level=info`), // CEST, +02:00
		*record(`ts=2026-12-01T12:00:00Z level=info`),
		*record(`level=info`),
		*record(`ts=soon`),
	}}
	require.NoError(t, s.ParseBatch(b))
	require.Len(t, b.Records, 4)
	assert.Equal(t, "2026-07-01T10:00:00Z", b.Records[0].EventTime.Format(rfc3339))
	assert.Equal(t, "2026-12-01T12:00:00Z", b.Records[1].EventTime.Format(rfc3339))
	for _, r := range b.Records[2:] {
		assert.True(t, r.EventTimeFallback)
		assert.True(t, kafkaTime.Equal(r.EventTime))
	}
	assert.Equal(t, Stats{Parsed: 2, Fallbacks: 2, Missing: 1, Unparsable: 1}, s.Stats())

	// Without a time field, the Kafka timestamp, not counted as a fallback.
	s = textStage(t, TypeKV, nil, TimeConfig{})
	b = &model.Batch{Records: []model.Record{*record(`a=1`)}}
	require.NoError(t, s.ParseBatch(b))
	assert.True(t, kafkaTime.Equal(b.Records[0].EventTime))
	assert.Equal(t, Stats{Parsed: 1}, s.Stats())
}

const rfc3339 = "2006-01-02T15:04:05Z07:00"

// TestTextParserDeclaredSchema: a text parser's fields typed by a declared
// schema; the time section then reads the typed timestamp as it is.
func TestTextParserDeclaredSchema(t *testing.T) {
	d, err := schema.Compile(schema.Config{Mode: schema.ModeDeclared, Fields: []schema.Field{
		{Name: "n", Type: "int64"},
		{Name: "at", Type: "timestamp", Format: "iso8601", Zone: "Europe/Berlin"},
	}})
	require.NoError(t, err)
	cfg := DefaultConfig()
	cfg.Type, cfg.Time.Field = TypeLogfmt, "at"
	s, err := New(cfg, Settings{Schema: d})
	require.NoError(t, err)
	b := &model.Batch{Records: []model.Record{*record(`n=7 at="2026-07-01 12:00:00"`), *record(`n=x`)}}
	require.NoError(t, s.ParseBatch(b))
	require.Len(t, b.Records, 1)
	require.Len(t, b.Rejected, 1, "n=x is no int64")
	rec := b.Records[0]
	assert.Equal(t, d.Schema(), rec.Schema)
	n, _ := rec.Field("n")
	assert.Equal(t, int64(7), n)
	assert.False(t, rec.EventTimeFallback)
	assert.Equal(t, "2026-07-01T10:00:00Z", rec.EventTime.Format(rfc3339))
}
