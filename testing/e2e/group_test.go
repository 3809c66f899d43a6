package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/pipeline"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/transport/kafka"
)

// TestScaleOutAndIn runs two pipelines in one consumer group while records
// keep arriving: the second joins (partitions move to it), then the first
// leaves (they move back). Every offset must be stored exactly once and
// Kafka's committed offsets must end equal to the bucket's.
func TestScaleOutAndIn(t *testing.T) {
	for _, assignor := range []string{kafka.AssignorCooperativeSticky, kafka.AssignorRange} {
		t.Run(assignor, func(t *testing.T) { testScaleOutAndIn(t, assignor) })
	}
}

func testScaleOutAndIn(t *testing.T, assignor string) {
	const topic, parts = "events", 6
	kc := kafkatest.Start(t, parts, topic)
	url := "file://" + t.TempDir()
	newCfg := func() pipeline.Config {
		cfg := testConfig(t, kc.Brokers(), url, topic)
		cfg.Kafka.Assignor = assignor
		cfg.Defaults.Policy.MaxRecords = 200
		return cfg
	}
	st := openStore(t, url, newCfg().Destination.S3)
	base := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	produce := func(n int, at time.Duration) { kc.ProduceJSON(t, topic, parts, n, base.Add(at)) }

	produce(1200, 0)
	a := start(t, newCfg(), pipeline.Settings{Owner: "a"})
	archivetest.WaitDurable(t, st, topic, kc.EndOffsets(t, topic), 60*time.Second)

	b := start(t, newCfg(), pipeline.Settings{Owner: "b"})
	for i := range 6 { // records arrive while the group rebalances
		produce(300, time.Duration(i+1)*time.Hour)
		time.Sleep(300 * time.Millisecond)
	}
	archivetest.WaitDurable(t, st, topic, kc.EndOffsets(t, topic), 60*time.Second)
	require.Positive(t, b.p.Stats().RecordsCommitted, "the second process took partitions over")
	sa, sb := a.p.Stats(), b.p.Stats()
	if assignor == kafka.AssignorCooperativeSticky {
		// Only the partitions that moved stopped; the others went on.
		assert.Equal(t, int64(parts), sa.PartitionsAssigned, "a was assigned once")
		assert.Positive(t, sa.PartitionsRevoked, "a let partitions go to b")
		assert.Less(t, sa.PartitionsRevoked, int64(parts), "a kept some partitions, without a stop")
		assert.Positive(t, sb.PartitionsAssigned)
	} else {
		assert.GreaterOrEqual(t, sa.PartitionsRevoked, int64(parts), "an eager rebalance stops every partition")
	}

	require.NoError(t, a.stop(t))
	produce(900, 10*time.Hour)
	end := kc.EndOffsets(t, topic)
	archivetest.WaitDurable(t, st, topic, end, 60*time.Second)
	requireKafkaCommitted(t, kc, st, newCfg().Kafka.Group, topic, end)
	require.NoError(t, b.stop(t))

	archivetest.RequireExactlyOnce(t, archivetest.ReadAll(t, st), topic, end)
}
