package e2e

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/pipeline"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/testing/minio"
	"github.com/sluicehq/sluice/transport/kafka"
	"github.com/sluicehq/sluice/transport/objstore"
)

// TestMalformedJSONIsStoredAndCounted: records whose event time cannot be
// read are stored (partitioned by their Kafka timestamp) and counted, never
// dropped.
func TestMalformedJSONIsStoredAndCounted(t *testing.T) {
	const topic = "events"
	kc := kafkatest.Start(t, 1, topic)
	url := "file://" + t.TempDir()
	cfg := testConfig(t, kc.Brokers(), url, topic)
	st := openStore(t, url, cfg.Destination.S3)

	kafkaTime := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	eventTime := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	bad := [][]byte{
		[]byte(`{"ts":`), []byte(`not json at all`), nil, {}, []byte(`{"ts":"yesterday"}`),
		[]byte(`[1,2,3]`), []byte{0xff, 0xfe, 0x00}, []byte(`{"other":1}`),
	}
	var recs []kafkatest.Record
	for i, v := range bad {
		recs = append(recs, kafkatest.Record{Value: v, Timestamp: kafkaTime})
		recs = append(recs, kafkatest.Record{
			Value:     fmt.Appendf(nil, `{"ts":%d,"i":%d}`, eventTime.UnixMilli(), i),
			Timestamp: kafkaTime,
		})
	}
	kc.Produce(t, topic, recs...)
	end := kc.EndOffsets(t, topic)
	r := start(t, cfg, pipeline.Settings{})
	archivetest.WaitDurable(t, st, topic, end, 30*time.Second)
	require.Equal(t, int64(len(bad)), r.p.Stats().EventTimeFallbacks)
	require.NoError(t, r.stop(t))

	rows := archivetest.ReadAll(t, st)
	archivetest.RequireExactlyOnce(t, rows, topic, end)
	for _, row := range rows {
		if row.Offset%2 == 0 { // malformed: partitioned by the Kafka timestamp
			require.True(t, strings.HasPrefix(row.Key, "events/dt=2026-01-02/hr=03/"), row.Key)
			require.Equal(t, string(bad[row.Offset/2]), string(row.Value))
		} else {
			require.True(t, strings.HasPrefix(row.Key, "events/dt=2026-11-22/hr=01/"), row.Key)
		}
	}
}

// TestUnknownTopic: a configured topic the brokers lack is a clear error at
// start.
func TestUnknownTopic(t *testing.T) {
	kc := kafkatest.Start(t, 1, "events")
	cfg := testConfig(t, kc.Brokers(), "file://"+t.TempDir(), "events", "evnets")
	p, err := pipeline.New(cfg, pipeline.Settings{Logger: testLogger(t)})
	require.NoError(t, err)
	err = p.Run(t.Context())
	require.ErrorIs(t, err, kafka.ErrUnknownTopic)
	require.Contains(t, err.Error(), `"evnets"`)
}

// TestUnreachableBroker: no broker answers → a clear error naming the
// brokers, within a bounded time.
func TestUnreachableBroker(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	cfg := testConfig(t, []string{addr}, "file://"+t.TempDir(), "events")
	cfg.Kafka.DialTimeout = time.Second
	p, err := pipeline.New(cfg, pipeline.Settings{Logger: testLogger(t)})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	began := time.Now()
	err = p.Run(ctx)
	require.Error(t, err)
	require.Contains(t, err.Error(), addr)
	require.Contains(t, err.Error(), "connecting to kafka brokers")
	require.Less(t, time.Since(began), 30*time.Second)
}

// TestWrongS3Credentials: the store refuses the credentials → a clear error
// mentioning credentials, nothing stored, no Kafka offset committed.
func TestWrongS3Credentials(t *testing.T) {
	const topic = "events"
	kc := kafkatest.Start(t, 2, topic)
	srv := minio.Start(t)
	srv.CreateBucket(t, "archive")
	kc.ProduceJSON(t, topic, 2, 100, time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC))

	cfg := testConfig(t, kc.Brokers(), "s3://archive/raw", topic)
	cfg.Destination.S3 = srv.S3Config()
	cfg.Destination.S3.SecretAccessKey = "wrong-secret"
	cfg.Destination.S3.MaxAttempts = 2
	p, err := pipeline.New(cfg, pipeline.Settings{Logger: testLogger(t)})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	err = p.Run(ctx)
	require.ErrorIs(t, err, objstore.ErrAccessDenied)
	require.Contains(t, err.Error(), "credentials")

	good := openStore(t, "s3://archive/raw", srv.S3Config())
	n := 0
	require.NoError(t, good.List(t.Context(), "", func(objstore.Object) error { n++; return nil }))
	require.Zero(t, n, "nothing may be stored with wrong credentials")
	require.Empty(t, kc.Committed(t, cfg.Kafka.Group, topic), "no offset may be committed")
}
