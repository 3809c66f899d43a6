package lag_test

import (
	"maps"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/testing/pipelinetest"
	"github.com/sluicehq/sluice/transport/objstore"
)

// group is the consumer group of the test pipeline.
const group = "lag-test"

// archive runs the real pipeline on topic into a new directory until every
// record below end is durable and Kafka's committed offsets agree, then
// stops it. It returns the store.
func archive(t *testing.T, kc *kafkatest.Cluster, topic string, end map[int32]int64) objstore.Store {
	t.Helper()
	cfg := pipelinetest.Config(t, kc.Brokers(), "file://"+t.TempDir(), topic)
	cfg.Kafka.Group = group
	cfg.Defaults.Policy.MaxRecords = 150
	cfg.Defaults.Policy.Idle = 200 * time.Millisecond
	return pipelinetest.Archive(t, cfg, map[string]map[int32]int64{topic: end}, func() {
		// Kafka is committed right after the progress record.
		require.Eventually(t, func() bool { return maps.Equal(kc.Committed(t, group, topic), end) },
			10*time.Second, 50*time.Millisecond, "kafka committed offsets never reached %v", end)
	})
}
