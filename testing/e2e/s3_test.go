package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/pipeline"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/testing/minio"
)

// TestS3ExactlyOnce archives two topics to MinIO (a real S3 server in its own
// process), one as Parquet and one, by override, as gzipped JSON lines.
func TestS3ExactlyOnce(t *testing.T) {
	const parts = 3
	kc := kafkatest.Start(t, parts, "events", "logs")
	srv := minio.Start(t)
	srv.CreateBucket(t, "archive")
	url := "s3://archive/raw"
	cfg := testConfig(t, kc.Brokers(), url, "events", "logs")
	cfg.Destination.S3 = srv.S3Config()
	cfg.Overrides = []pipeline.Override{{Topic: "logs", Settings: cfg.Defaults}}
	cfg.Overrides[0].Settings.Format.Type = "jsonl"
	cfg.Overrides[0].Settings.Format.Compression = "gzip"
	cfg.Overrides[0].Settings.Partitioner.Granularity = "day"
	st := openStore(t, url, cfg.Destination.S3)

	base := time.Date(2026, 11, 21, 22, 0, 0, 0, time.UTC)
	kc.ProduceJSON(t, "events", parts, 2500, base)
	kc.ProduceJSON(t, "logs", parts, 1500, base)
	r := start(t, cfg, pipeline.Settings{})
	endEvents, endLogs := kc.EndOffsets(t, "events"), kc.EndOffsets(t, "logs")
	archivetest.WaitDurable(t, st, "events", endEvents, 90*time.Second)
	archivetest.WaitDurable(t, st, "logs", endLogs, 90*time.Second)
	requireKafkaCommitted(t, kc, st, cfg.Kafka.Group, "events", endEvents)
	requireKafkaCommitted(t, kc, st, cfg.Kafka.Group, "logs", endLogs)
	require.NoError(t, r.stop(t))

	rows := archivetest.ReadAll(t, st)
	var events, logs []archivetest.Row
	for _, row := range rows {
		switch {
		case strings.HasPrefix(row.Key, "events/"):
			require.Regexp(t, `^events/dt=2026-11-2[12]/hr=\d\d/events\+\d\+\d{20}\.parquet$`, row.Key)
			events = append(events, row)
		case strings.HasPrefix(row.Key, "logs/"):
			require.Regexp(t, `^logs/dt=2026-11-2[12]/logs\+\d\+\d{20}\.jsonl\.gz$`, row.Key)
			logs = append(logs, row)
		default:
			t.Fatalf("unexpected object %s", row.Key)
		}
	}
	archivetest.RequireExactlyOnce(t, events, "events", endEvents)
	archivetest.RequireExactlyOnce(t, logs, "logs", endLogs)
}
