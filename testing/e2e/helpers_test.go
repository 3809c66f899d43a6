package e2e

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/pipeline"
	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/testing/pipelinetest"
	"github.com/sluicehq/sluice/transport/objstore"
)

// testConfig is a configuration for a local test: small rounds so a test
// sees many of them, short idle sealing.
func testConfig(t *testing.T, brokers []string, destURL string, topics ...string) pipeline.Config {
	t.Helper()
	return pipelinetest.Config(t, brokers, destURL, topics...)
}

// running is a pipeline running in the background.
type running struct {
	p      *pipeline.Pipeline
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, cfg pipeline.Config, set pipeline.Settings) *running {
	t.Helper()
	if set.Logger == nil {
		set.Logger = testLogger(t)
	}
	p, err := pipeline.New(cfg, set)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	r := &running{p: p, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- p.Run(ctx) }()
	t.Cleanup(func() { r.cancel(); <-r.done })
	return r
}

// stop shuts the pipeline down gracefully and returns Run's error.
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err // for Cleanup
		return err
	case <-time.After(60 * time.Second):
		t.Fatal("pipeline did not stop within 60s")
		return nil
	}
}

func testLogger(t *testing.T) *slog.Logger { return pipelinetest.Logger(t) }

// requireKafkaCommitted checks the group's committed offsets equal the
// progress records' next offsets.
func requireKafkaCommitted(t *testing.T, kc *kafkatest.Cluster, st objstore.Store, group, topic string, end map[int32]int64) {
	t.Helper()
	ledger := commit.NewLedger(st, "test-reader")
	// Kafka is committed right after the progress record: allow a moment.
	deadline := time.Now().Add(10 * time.Second)
	for {
		committed := kc.Committed(t, group, topic)
		lagging := false
		for p, e := range end {
			prog, ok, err := ledger.Load(t.Context(), topic, p)
			require.NoError(t, err)
			require.True(t, ok, "partition %d has no progress record", p)
			require.Equal(t, e, prog.Next, "partition %d progress", p)
			if committed[p] != prog.Next {
				lagging = true
				if time.Now().After(deadline) {
					require.Equal(t, prog.Next, committed[p], "partition %d: kafka committed offset vs progress record", p)
				}
			}
		}
		if !lagging {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func openStore(t *testing.T, url string, s3 objstore.S3Config) objstore.Store {
	t.Helper()
	st, err := objstore.Open(t.Context(), url, s3, objstore.Settings{})
	require.NoError(t, err)
	return st
}

// archiveProduced runs the pipeline over the n records produced into topic
// until every one is durable and committed to Kafka, stops it, and returns
// the archive's rows, checked to hold every offset exactly once.
func archiveProduced(t *testing.T, cfg pipeline.Config, kc *kafkatest.Cluster, st objstore.Store, topic string, n int) []archivetest.Row {
	t.Helper()
	end := kc.EndOffsets(t, topic)
	var produced int64
	for _, e := range end {
		produced += e
	}
	require.Equal(t, int64(n), produced, "records in the topic")
	r := start(t, cfg, pipeline.Settings{})
	archivetest.WaitDurable(t, st, topic, end, 60*time.Second)
	requireKafkaCommitted(t, kc, st, cfg.Kafka.Group, topic, end)
	require.NoError(t, r.stop(t))
	rows := archivetest.ReadAll(t, st)
	archivetest.RequireExactlyOnce(t, rows, topic, end)
	return rows
}
