package kafka

import (
	"strings"
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
		{"valid", func(*Config) {}, nil},
		{"regex only", func(c *Config) { c.Topics, c.TopicRegex = nil, "logs-.*" }, nil},
		{"ipv6 broker", func(c *Config) { c.Brokers = []string{"[::1]:9092"} }, nil},
		{"no brokers", func(c *Config) { c.Brokers = nil }, []string{"brokers: at least one broker is required"}},
		{"broker without port", func(c *Config) { c.Brokers = []string{"k:9092", "kafka"} },
			[]string{`brokers[1]: "kafka" is not host:port`}},
		{"broker without host", func(c *Config) { c.Brokers = []string{":9092"} },
			[]string{`brokers[0]: ":9092" has no host`}},
		{"bad port", func(c *Config) { c.Brokers = []string{"k:http", "k:70000", "k:0"} }, []string{
			`brokers[0]: "k:http" has an invalid port (want 1 to 65535)`,
			`brokers[1]: "k:70000" has an invalid port (want 1 to 65535)`,
			`brokers[2]: "k:0" has an invalid port (want 1 to 65535)`,
		}},
		{"no group or client", func(c *Config) { c.Group, c.ClientID = "", "" },
			[]string{"group: required", "client_id: required"}},
		{"no topics", func(c *Config) { c.Topics = nil },
			[]string{"topics: at least one of topics and topic_regex is required"}},
		{"duplicate topic", func(c *Config) { c.Topics = []string{"a", "b", "a"} },
			[]string{`topics[2]: duplicate topic "a" (also topics[0])`}},
		{"invalid topic names", func(c *Config) { c.Topics = []string{"a b", "..", "", strings.Repeat("x", 250)} }, []string{
			`topics[0]: invalid topic name "a b" (want 1 to 249 of a-z, A-Z, 0-9, '.', '_', '-')`,
			`topics[1]: invalid topic name ".." (want 1 to 249 of a-z, A-Z, 0-9, '.', '_', '-')`,
			`topics[2]: invalid topic name "" (want 1 to 249 of a-z, A-Z, 0-9, '.', '_', '-')`,
			`topics[3]: invalid topic name "` + strings.Repeat("x", 250) + `" (want 1 to 249 of a-z, A-Z, 0-9, '.', '_', '-')`,
		}},
		{"regex", func(c *Config) { c.TopicRegex = "a(" },
			[]string{"topic_regex: invalid regular expression: error parsing regexp: missing closing ): `a(`"}},
		{"version", func(c *Config) { c.Version = "latest" },
			[]string{`version: invalid Kafka version "latest" (want one such as 2.4.0 or 3.9.0)`}},
		{"eager assignor on an old broker", func(c *Config) { c.Version, c.Assignor = "2.1.0", AssignorRange }, nil},
		{"isolation", func(c *Config) { c.Isolation = "serializable" },
			[]string{"isolation: unknown isolation \"serializable\" (want read_committed, read_uncommitted)"}},
		{"initial offset latest", func(c *Config) { c.InitialOffset = InitialOffsetLatest }, nil},
		{"initial offset", func(c *Config) { c.InitialOffset = "newest" },
			[]string{`initial_offset: unknown initial offset "newest" (want earliest, latest)`}},
		{"unknown assignor", func(c *Config) { c.Assignor = "sticky-ish" },
			[]string{`assignor: unknown assignor "sticky-ish" (want one of cooperative-sticky, range, roundrobin, sticky)`}},
		{"cooperative on an old broker", func(c *Config) { c.Version = "2.3.0" },
			[]string{"assignor: cooperative-sticky needs kafka.version 2.4.0 or later (got 2.3.0); use range for older brokers"}},
		{"timeouts", func(c *Config) { c.SessionTimeout, c.DialTimeout = 0, -1 },
			[]string{"session_timeout: must be positive, got 0s", "dial_timeout: must be positive, got -1ns"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			c.Brokers, c.Topics = []string{"localhost:9092"}, []string{"events"}
			tt.mutate(&c)
			got := conf.Messages(c.Validate())
			assert.Equal(t, tt.want, got)
		})
	}
}
