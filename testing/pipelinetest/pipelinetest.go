package pipelinetest

import (
	"context"
	"log/slog"
	"maps"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/pipeline"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/transport/objstore"
)

// EnvLog names the environment variable that, when set, makes Logger log
// at debug level instead of warn.
const EnvLog = "SLUICE_TEST_LOG"

// Config is a configuration for a local test that archives topics from
// brokers to destURL: consumer group "sluice-test", a buffer in a fresh
// temporary directory, small rounds (700 records) so a test sees many of
// them, 300ms idle sealing, and JSON records whose event time is the field
// "ts" in Unix milliseconds. Everything else has its default.
func Config(t testing.TB, brokers []string, destURL string, topics ...string) pipeline.Config {
	t.Helper()
	cfg := pipeline.DefaultConfig()
	cfg.Kafka.Brokers = brokers
	cfg.Kafka.Topics = topics
	cfg.Kafka.Group = "sluice-test"
	cfg.Kafka.SessionTimeout = 10 * time.Second
	cfg.Destination.URL = destURL
	cfg.Buffer.Dir = t.TempDir()
	cfg.Defaults.Policy.MaxRecords = 700
	cfg.Defaults.Policy.Idle = 300 * time.Millisecond
	cfg.ShutdownTimeout = 30 * time.Second
	cfg.Defaults.Parser.Type = "json"
	cfg.Defaults.Parser.JSON.TimeField = "ts"
	cfg.Defaults.Parser.JSON.TimeFormat = "unix_ms"
	return cfg
}

// Logger returns a logger that writes text lines to the test log, at warn
// level, or at debug level when $SLUICE_TEST_LOG is set.
func Logger(t testing.TB) *slog.Logger {
	level := slog.LevelWarn
	if os.Getenv(EnvLog) != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: level}))
}

// testWriter writes to the test log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// Archive runs the pipeline with cfg until every partition of every topic in
// end has its progress record at end (everything below is durable), calls
// before (if set) while the pipeline still runs, then stops it gracefully
// and returns the destination store.
func Archive(t testing.TB, cfg pipeline.Config, end map[string]map[int32]int64, before func()) objstore.Store {
	t.Helper()
	p, err := pipeline.New(cfg, pipeline.Settings{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	st, err := objstore.Open(t.Context(), cfg.Destination.URL, cfg.Destination.S3, objstore.Settings{})
	require.NoError(t, err)
	for _, topic := range slices.Sorted(maps.Keys(end)) {
		archivetest.WaitDurable(t, st, topic, end[topic], 60*time.Second)
	}
	if before != nil {
		before()
	}
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(60 * time.Second):
		t.Fatal("pipeline did not stop within 60s")
	}
	return st
}
