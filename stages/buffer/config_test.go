package buffer

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
		{"minimum memory", func(c *Config) { c.Memory = MinMemory }, nil},
		{"no dir", func(c *Config) { c.Dir = "" }, []string{"dir: required"}},
		{"little memory", func(c *Config) { c.Memory = MinMemory - 1 },
			[]string{"memory: must be at least 1.0 MiB, got 1048575 bytes"}},
		{"no files", func(c *Config) { c.MaxOpenFiles = 0 }, []string{"max_open_files: must be at least 1, got 0"}},
		{"all at once", func(c *Config) { *c = Config{} }, []string{
			"dir: required", "memory: must be at least 1.0 MiB, got 0 bytes", "max_open_files: must be at least 1, got 0",
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

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Policy)
		want   []string
	}{
		{"default", func(*Policy) {}, nil},
		{"smallest", func(p *Policy) { *p = Policy{MaxBytes: 1, MaxRecords: 1, MaxEventSpan: 1, Idle: 1} }, nil},
		{"zero", func(p *Policy) { *p = Policy{} }, []string{
			"max_bytes: must be positive, got 0", "max_records: must be positive, got 0",
			"max_event_span: must be positive, got 0s", "idle: must be positive, got 0s",
		}},
		{"negative", func(p *Policy) { p.MaxRecords, p.Idle = -1, -1e9 },
			[]string{"max_records: must be positive, got -1", "idle: must be positive, got -1s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultPolicy()
			tt.mutate(&p)
			got := conf.Messages(p.Validate())
			assert.Equal(t, tt.want, got)
		})
	}
}
