package parse

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sluicehq/sluice/conf"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		want   []string
	}{
		{"default", func(*Config) {}, nil},
		{"json", func(c *Config) { c.Type, c.JSON.TimeField = TypeJSON, "meta.ts" }, nil},
		{"every time format", func(c *Config) { c.JSON.TimeFormat = "unix_ns" }, nil},
		{"unknown type", func(c *Config) { c.Type = "xml" }, []string{`type: unknown parser "xml" (want avro, json, json_schema, kv, logfmt, protobuf, raw, regex)`}},
		{"empty type", func(c *Config) { c.Type = "" }, []string{`type: unknown parser "" (want avro, json, json_schema, kv, logfmt, protobuf, raw, regex)`}},
		{"json needs a field", func(c *Config) { c.Type = TypeJSON },
			[]string{"json.time_field: required for the json parser (or time.field, or time.source kafka or none)"}},
		{"empty segment", func(c *Config) { c.Type, c.JSON.TimeField = TypeJSON, "meta..ts" },
			[]string{`json.time_field: "meta..ts" has an empty segment (write nested fields as a.b.c)`}},
		{"time format", func(c *Config) { c.JSON.TimeFormat = "unix_ps" },
			[]string{`json.time_format: unknown time format "unix_ps" (want unix_s, unix_ms, unix_us, unix_ns, rfc3339, auto)`}},
		{"all at once", func(c *Config) { c.Type, c.JSON.TimeFormat = TypeJSON, "" }, []string{
			"json.time_field: required for the json parser (or time.field, or time.source kafka or none)",
			`json.time_format: unknown time format "" (want unix_s, unix_ms, unix_us, unix_ns, rfc3339, auto)`,
		}},
		{"time field", func(c *Config) {
			c.Type, c.Time = TypeLogfmt, TimeConfig{Field: "a.b", Format: FormatLayout, Layout: "yyyy-MM-dd HH:mm", Zone: "Europe/Berlin"}
		}, nil},
		{"json time field", func(c *Config) { c.Type, c.Time.Field = TypeJSON, "ts" }, nil},
		{"json without a field", func(c *Config) { c.Type, c.Time.Source = TypeJSON, SourceNone }, nil},
		{"json twice", func(c *Config) { c.Type, c.JSON.TimeField, c.Time.Field = TypeJSON, "a", "b" },
			[]string{"json.time_field: set either json.time_field or time.field, not both"}},
		{"json field unread", func(c *Config) { c.Type, c.JSON.TimeField, c.Time.Source = TypeJSON, "a", SourceKafka },
			[]string{"json.time_field: not read with time.source kafka"}},
		{"time problems", func(c *Config) {
			c.Time = TimeConfig{Source: "clock", Field: "a..b", Format: "unix_ps", Layout: "2006", Zone: "Mars/Olympus"}
		}, []string{
			`time.source: unknown source "clock" (want field, kafka, none)`,
			`time.field: "a..b" has an empty segment (write nested fields as a.b.c)`,
			`time.format: unknown time format "unix_ps" (want auto, unix_s, unix_ms, unix_us, unix_ns, rfc3339, iso8601, layout)`,
			`time.layout: only read with format layout (format is "unix_ps")`,
			`time.zone: unknown time zone "Mars/Olympus"`,
		}},
		{"field source needs a field", func(c *Config) { c.Time.Source = SourceField },
			[]string{"time.field: required for source field"}},
		{"none reads no field", func(c *Config) { c.Time.Source, c.Time.Field = SourceNone, "ts" },
			[]string{"time.field: only read with source field (source is none)"}},
		{"layouts", func(c *Config) { c.Time.Format, c.Time.Layout = FormatLayout, "15:04" }, []string{
			`time.layout: layout "15:04" does not read back a date (Go: "2006-01-02 15:04:05"; Java: "yyyy-MM-dd HH:mm:ss")`}},
		{"java layout", func(c *Config) { c.Time.Format, c.Time.Layout = FormatLayout, "yyyy-MM-dd QQ" }, []string{
			`time.layout: layout "yyyy-MM-dd QQ": unsupported pattern letters "QQ" (supported: yyyy yy MMMM MMM MM M dd d HH H hh h mm m ss s S a EEEE EEE z Z X XX XXX)`}},
		{"no layout", func(c *Config) { c.Time.Format = FormatLayout }, []string{"time.layout: format layout needs a layout"}},
		{"local zone", func(c *Config) { c.Time.Zone = "Local" },
			[]string{`time.zone: zone "Local" depends on the host: name an IANA zone`}},
		{"regex needs a pattern", func(c *Config) { c.Type = TypeRegex },
			[]string{"options.pattern: required (an RE2 pattern with named groups, (?P<name>...))"}},
		{"regex options", func(c *Config) {
			c.Type = TypeRegex
			c.Options = conf.OptionsOf(&RegexOptions{Pattern: "(a"})
		}, []string{"options.pattern: compiling \"(a\": error parsing regexp: missing closing ): `(a`"}},
		{"regex names", func(c *Config) {
			c.Type = TypeRegex
			c.Options = conf.OptionsOf(&RegexOptions{Pattern: "(a)(b)"})
		}, []string{`options.pattern: "(a)(b)" has no named group (write (?P<name>...))`}},
		{"kv options", func(c *Config) {
			c.Type = TypeKV
			c.Options = conf.OptionsOf(&KVOptions{PairSeparator: "==", KVSeparator: "=", Quotes: true})
		}, []string{`options.kv_separator: "=" and pair_separator "==" must not contain each other`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.mutate(&c)
			got := conf.Messages(c.Validate())
			assert.Equal(t, tt.want, got)
		})
	}
}
