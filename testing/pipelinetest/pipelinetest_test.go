package pipelinetest_test

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/testing/pipelinetest"
)

func TestConfigIsValid(t *testing.T) {
	cfg := pipelinetest.Config(t, []string{"127.0.0.1:9092"}, "file://"+t.TempDir(), "events", "logs")
	require.NoError(t, cfg.Validate())
	assert.Equal(t, []string{"127.0.0.1:9092"}, cfg.Kafka.Brokers)
	assert.Equal(t, []string{"events", "logs"}, cfg.Kafka.Topics)
	assert.Equal(t, "sluice-test", cfg.Kafka.Group)
	assert.DirExists(t, cfg.Buffer.Dir)
	assert.Equal(t, int64(700), cfg.Defaults.Policy.MaxRecords)
	assert.Equal(t, "ts", cfg.Defaults.Parser.JSON.TimeField)
}

func TestLoggerLevel(t *testing.T) {
	tests := []struct {
		name      string
		env       string
		wantDebug bool
	}{
		{"unset", "", false},
		{"set", "1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(pipelinetest.EnvLog, tt.env)
			log := pipelinetest.Logger(t)
			ctx := t.Context()
			assert.Equal(t, tt.wantDebug, log.Enabled(ctx, slog.LevelDebug))
			assert.True(t, log.Enabled(ctx, slog.LevelWarn))
			log.Warn("written to the test log")
		})
	}
}
