package partition

import (
	"testing"
	_ "time/tzdata" // zones known without the host's database

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
		{"day", func(c *Config) { c.Granularity = "day" }, nil},
		{"every placeholder", func(c *Config) {
			c.Template = "x/{topic}/{partition}/{yyyy}{MM}{dd}/{HH}-{mm}"
		}, nil},
		{"zone", func(c *Config) { c.Timezone = "Europe/Berlin" }, nil},
		{"fields", func(c *Config) {
			c.Template = "country={field:user.country|unknown}/level={field:level}/dt={yyyy}-{MM}-{dd}"
		}, nil},
		{"field problems", func(c *Config) { c.Template = "{field:}/{field:a..b}/{field:a|}/{fields:a}" }, []string{
			"template: {field:} names no field (write {field:country} or {field:user.country|unknown})",
			`template: {field:a..b}: field "a..b" has an empty segment (write nested fields as a.b.c)`,
			"template: {field:a|}: empty default (leave out '|' for __HIVE_DEFAULT_PARTITION__)",
			"template: unknown placeholder {fields:a} (want {topic}, {partition}, {yyyy}, {MM}, {dd}, {HH}, {mm}, {field:name|default})",
		}},
		{"granularity", func(c *Config) { c.Granularity = "week" },
			[]string{`granularity: unknown granularity "week" (want hour, day, minute)`}},
		{"placeholder", func(c *Config) { c.Template = "{topic}/{ss}" },
			[]string{"template: unknown placeholder {ss} (want {topic}, {partition}, {yyyy}, {MM}, {dd}, {HH}, {mm}, {field:name|default})"}},
		{"placeholders are case-sensitive", func(c *Config) { c.Template = "{YYYY}" },
			[]string{"template: unknown placeholder {YYYY} (want {topic}, {partition}, {yyyy}, {MM}, {dd}, {HH}, {mm}, {field:name|default})"}},
		{"unclosed", func(c *Config) { c.Template = "{topic}/{yyyy" },
			[]string{`template: unbalanced '{' in "{topic}/{yyyy"`}},
		{"nested", func(c *Config) { c.Template = "{to{pic}" },
			[]string{`template: unbalanced '{' in "{to{pic}"`,
				"template: unknown placeholder {pic} (want {topic}, {partition}, {yyyy}, {MM}, {dd}, {HH}, {mm}, {field:name|default})"}},
		{"unopened", func(c *Config) { c.Template = "topic}/x" },
			[]string{`template: unbalanced '}' in "topic}/x"`}},
		{"leading slash", func(c *Config) { c.Template = "/{topic}" },
			[]string{`template: "/{topic}" starts with '/' (it is relative to the destination prefix)`}},
		{"empty segment", func(c *Config) { c.Template = "{topic}//x/" },
			[]string{`template: "{topic}//x/" has an empty path segment`}},
		{"dot-dot", func(c *Config) { c.Template = "{topic}/../x" },
			[]string{`template: "{topic}/../x" has a '..' path segment`}},
		{"dots in a name are fine", func(c *Config) { c.Template = "{topic}/v1..2" }, nil},
		{"no zone", func(c *Config) { c.Timezone = "" },
			[]string{"timezone: required (an IANA zone such as UTC or Europe/Berlin)"}},
		{"local zone", func(c *Config) { c.Timezone = "Local" },
			[]string{`timezone: "Local" depends on the host; name the zone (UTC, Europe/Berlin)`}},
		{"unknown zone", func(c *Config) { c.Timezone = "Mars/Olympus" },
			[]string{`timezone: unknown time zone "Mars/Olympus"`}},
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

func TestEffectiveTemplate(t *testing.T) {
	tests := []struct{ granularity, template, want string }{
		{"hour", "", "{topic}/dt={yyyy}-{MM}-{dd}/hr={HH}"},
		{"day", "", "{topic}/dt={yyyy}-{MM}-{dd}"},
		{"minute", "", "{topic}/dt={yyyy}-{MM}-{dd}/hr={HH}/min={mm}"},
		{"day", "{topic}/{yyyy}", "{topic}/{yyyy}"},
		{"week", "", ""},
	}
	for _, tt := range tests {
		c := Config{Granularity: tt.granularity, Template: tt.template}
		assert.Equal(t, tt.want, c.EffectiveTemplate(), "%+v", tt)
	}
}
