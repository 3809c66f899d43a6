package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/transport/kafka"
)

// TestInitialOffset archives a topic that already holds records, with
// kafka.initial_offset earliest and latest: earliest stores every record,
// latest only those produced after the first start (Kafka's committed offset
// is placed at the end of the log before any is consumed). Both store each
// record exactly once across restarts: one before anything was archived
// (latest starts where the first start was placed, not at the new end) and
// one that resumes from the progress record.
func TestInitialOffset(t *testing.T) {
	for _, mode := range []string{kafka.InitialOffsetEarliest, kafka.InitialOffsetLatest} {
		t.Run(mode, func(t *testing.T) {
			const topic, parts = "events", 2
			kc := kafkatest.Start(t, parts, topic)
			url := "file://" + t.TempDir()
			cfg := testConfig(t, kc.Brokers(), url, topic)
			cfg.Kafka.InitialOffset = mode
			st := openStore(t, url, cfg.Destination.S3)
			base := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

			kc.ProduceJSON(t, topic, parts, 500, base)
			before := kc.EndOffsets(t, topic)
			from := map[int32]int64{}
			if mode == kafka.InitialOffsetLatest {
				from = before
			}
			r := start(t, cfg, pipelineSettings())
			if mode == kafka.InitialOffsetEarliest {
				archivetest.WaitDurable(t, st, topic, before, 60*time.Second)
			} else {
				// Placed at the end of the log and committed to Kafka before
				// the first record is consumed.
				require.Eventually(t, func() bool {
					c := kc.Committed(t, cfg.Kafka.Group, topic)
					for p, e := range before {
						if off, ok := c[p]; !ok || off != e {
							return false
						}
					}
					return true
				}, 30*time.Second, 50*time.Millisecond, "the group's committed offsets become the end of the log")
			}
			// Stopped before anything new is archived (latest: with no
			// progress record yet), records produced meanwhile are archived
			// after the restart: it starts where the first start was placed.
			require.NoError(t, r.stop(t))
			kc.ProduceJSON(t, topic, parts, 300, base.Add(time.Hour))
			r = start(t, cfg, pipelineSettings())
			archivetest.WaitDurable(t, st, topic, kc.EndOffsets(t, topic), 60*time.Second)
			require.NoError(t, r.stop(t))

			// Then it resumes from the progress record.
			kc.ProduceJSON(t, topic, parts, 200, base.Add(2*time.Hour))
			end := kc.EndOffsets(t, topic)
			r = start(t, cfg, pipelineSettings())
			archivetest.WaitDurable(t, st, topic, end, 60*time.Second)
			requireKafkaCommitted(t, kc, st, cfg.Kafka.Group, topic, end)
			require.NoError(t, r.stop(t))

			requireStoredOnce(t, archivetest.ReadAll(t, st), topic, from, end)
		})
	}
}

// requireStoredOnce fails unless the offsets from[p]..end[p]-1 of every
// partition in end (from 0 where from has none) are stored exactly once and
// nothing else is.
func requireStoredOnce(t *testing.T, rows []archivetest.Row, topic string, from, end map[int32]int64) {
	t.Helper()
	got := archivetest.Offsets(t, rows)
	total := 0
	for p, e := range end {
		lane := fmt.Sprintf("%s/%d", topic, p)
		want := make([]int64, 0, e-from[p])
		for o := from[p]; o < e; o++ {
			want = append(want, o)
		}
		require.ElementsMatch(t, want, got[lane], "partition %s: offsets %d..%d exactly once", lane, from[p], e-1)
		total += len(want)
	}
	require.Len(t, rows, total, "rows of partitions nobody produced to")
}
