package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/transport/kafka"
)

// TestTransactions archives a topic written by a transactional producer:
// with read_committed (the default) the archive holds exactly the records of
// committed transactions, with read_uncommitted aborted ones too; either way
// no offset twice, and the control markers' offsets are gaps the chain of
// rounds steps over.
func TestTransactions(t *testing.T) {
	for _, isolation := range []string{kafka.IsolationReadCommitted, kafka.IsolationReadUncommitted} {
		t.Run(isolation, func(t *testing.T) {
			const topic = "payments"
			kc := kafkatest.Start(t, 1, topic)
			base := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
			batch := func(txn int) []kafkatest.Record {
				var recs []kafkatest.Record
				for i := range 5 {
					id := txn*100 + i
					recs = append(recs, kafkatest.Record{
						Value:     fmt.Appendf(nil, `{"id":%d,"ts":%d}`, id, base.UnixMilli()),
						Timestamp: base,
					})
				}
				return recs
			}
			// Transactions 1 and 3 commit, 2 aborts: offsets 0-4 data, 5
			// marker, 6-10 aborted, 11 marker, 12-16 data, 17 marker.
			kc.ProduceTransaction(t, topic, true, batch(1)...)
			kc.ProduceTransaction(t, topic, false, batch(2)...)
			kc.ProduceTransaction(t, topic, true, batch(3)...)
			end := kc.EndOffsets(t, topic)
			require.Equal(t, int64(18), end[0])

			url := "file://" + t.TempDir()
			cfg := testConfig(t, kc.Brokers(), url, topic)
			cfg.Kafka.Isolation = isolation
			st := openStore(t, url, cfg.Destination.S3)
			r := start(t, cfg, pipelineSettings())
			lastData := map[int32]int64{0: 17} // everything up to the last data record
			archivetest.WaitDurable(t, st, topic, lastData, 60*time.Second)
			require.NoError(t, r.stop(t))

			want := []int64{0, 1, 2, 3, 4, 12, 13, 14, 15, 16}
			if isolation == kafka.IsolationReadUncommitted {
				want = []int64{0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16}
			}
			got := archivetest.Offsets(t, archivetest.ReadAll(t, st))[topic+"/0"]
			slices.Sort(got)
			assert.Equal(t, want, got)
			prog, ok, err := commit.NewLedger(st, "reader").Load(t.Context(), topic, 0)
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, int64(17), prog.Next, "durable through the last data record")
			assert.Nil(t, prog.Pending)
			assert.Equal(t, int64(17), kc.Committed(t, cfg.Kafka.Group, topic)[0], "Kafka's committed offset follows the bucket")
		})
	}
}
