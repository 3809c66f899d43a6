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
		{"unknown type", func(c *Config) { c.Type = "xml" }, []string{`type: unknown parser "xml" (want avro, json, raw)`}},
		{"empty type", func(c *Config) { c.Type = "" }, []string{`type: unknown parser "" (want avro, json, raw)`}},
		{"json needs a field", func(c *Config) { c.Type = TypeJSON },
			[]string{"json.time_field: required for the json parser"}},
		{"empty segment", func(c *Config) { c.Type, c.JSON.TimeField = TypeJSON, "meta..ts" },
			[]string{`json.time_field: "meta..ts" has an empty segment (write nested fields as a.b.c)`}},
		{"time format", func(c *Config) { c.JSON.TimeFormat = "unix_ps" },
			[]string{`json.time_format: unknown time format "unix_ps" (want unix_s, unix_ms, unix_us, unix_ns, rfc3339, auto)`}},
		{"all at once", func(c *Config) { c.Type, c.JSON.TimeFormat = TypeJSON, "" }, []string{
			"json.time_field: required for the json parser",
			`json.time_format: unknown time format "" (want unix_s, unix_ms, unix_us, unix_ns, rfc3339, auto)`,
		}},
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
