package lag_test

import (
	"context"
	"log/slog"
	"maps"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/pipeline"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/transport/objstore"
)

// group is the consumer group of the test pipeline.
const group = "lag-test"

// archive runs the real pipeline on topic into a new directory until every
// record below end is durable and Kafka's committed offsets agree, then
// stops it. It returns the store.
func archive(t *testing.T, kc *kafkatest.Cluster, topic string, end map[int32]int64) objstore.Store {
	t.Helper()
	dir := t.TempDir()
	cfg := pipeline.DefaultConfig()
	cfg.Kafka.Brokers = kc.Brokers()
	cfg.Kafka.Topics = []string{topic}
	cfg.Kafka.Group = group
	cfg.Kafka.SessionTimeout = 10 * time.Second
	cfg.Destination.URL = "file://" + dir
	cfg.Buffer.Dir = t.TempDir()
	cfg.Defaults.Policy.MaxRecords = 150
	cfg.Defaults.Policy.Idle = 200 * time.Millisecond
	cfg.ShutdownTimeout = 30 * time.Second
	cfg.Defaults.Parser.Type = "json"
	cfg.Defaults.Parser.JSON.TimeField = "ts"
	cfg.Defaults.Parser.JSON.TimeFormat = "unix_ms"
	p, err := pipeline.New(cfg, pipeline.Settings{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	st, err := objstore.Open(t.Context(), cfg.Destination.URL, objstore.DefaultS3Config(), objstore.Settings{})
	require.NoError(t, err)
	archivetest.WaitDurable(t, st, topic, end, 60*time.Second)
	// Kafka is committed right after the progress record.
	require.Eventually(t, func() bool { return maps.Equal(kc.Committed(t, group, topic), end) },
		10*time.Second, 50*time.Millisecond, "kafka committed offsets never reached %v", end)
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(60 * time.Second):
		t.Fatal("pipeline did not stop within 60s")
	}
	return st
}
