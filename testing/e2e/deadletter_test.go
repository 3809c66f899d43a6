package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/app/verify"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/pipeline"
	"github.com/sluicehq/sluice/stages/deadletter"
	"github.com/sluicehq/sluice/stages/parse"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/testing/minio"
	"github.com/sluicehq/sluice/transport/objstore"
)

// objectsOnly is a test parser (a parse.Decoder) that rejects values that
// are not JSON objects.
const objectsOnly = "e2e_objects_only"

type objectsOnlyParser struct{}

func (objectsOnlyParser) EventTime(rec *model.Record) (time.Time, error) { return rec.Timestamp, nil }

func (objectsOnlyParser) Decode(rec *model.Record) error {
	if v := bytes.TrimSpace(rec.Value); len(v) == 0 || v[0] != '{' || !json.Valid(v) {
		return errors.New("decoding json: not a JSON object")
	}
	return nil
}

func init() {
	parse.MustRegister(parse.NewFactory(objectsOnly, nil, func(struct{}, parse.Settings) (parse.Parser, error) {
		return objectsOnlyParser{}, nil
	}))
}

// produceMixed writes n records per partition, those bad says as values
// that are not JSON objects, and returns the bad offsets per partition.
func produceMixed(t *testing.T, kc *kafkatest.Cluster, topic string, parts int32, n int64, bad func(o int64) bool) map[int32][]int64 {
	t.Helper()
	out := map[int32][]int64{}
	var recs []kafkatest.Record
	for p := range parts {
		for o := range n {
			v := fmt.Appendf(nil, `{"id":%d}`, o)
			if bad(o) {
				v = fmt.Appendf(nil, "not json %d \xff", o)
				out[p] = append(out[p], o)
			}
			recs = append(recs, kafkatest.Record{Partition: p, Key: fmt.Appendf(nil, "k%d", o), Value: v,
				Timestamp: time.UnixMilli(1_790_000_000_000 + o),
				Headers:   []kgo.RecordHeader{{Key: "origin", Value: []byte("test")}}})
		}
	}
	kc.Produce(t, topic, recs...)
	return out
}

func deadLetterConfig(t *testing.T, kc *kafkatest.Cluster, url, topic string) pipeline.Config {
	cfg := testConfig(t, kc.Brokers(), url, topic)
	cfg.Defaults.Parser.Type = objectsOnly
	cfg.Defaults.Policy.MaxRecords = 60
	return cfg
}

// TestDeadLetterBucket: records the parser rejects land, compressed, under
// _rejected/ in MinIO; every offset is in a data file or a dead-letter
// file, exactly once; verify reports OK with the dead-lettered count.
func TestDeadLetterBucket(t *testing.T) {
	const topic, parts, n = "mixed", 2, 400
	kc := kafkatest.Start(t, parts, topic)
	srv := minio.Start(t)
	srv.CreateBucket(t, "archive")
	url := "s3://archive/raw"
	cfg := deadLetterConfig(t, kc, url, topic)
	cfg.Destination.S3 = srv.S3Config()
	cfg.Defaults.DeadLetter.Compression = "zstd"
	st := openStore(t, url, cfg.Destination.S3)
	bad := produceMixed(t, kc, topic, parts, n, func(o int64) bool { return o%5 == 0 || (o >= 200 && o < 270) })

	end := kc.EndOffsets(t, topic)
	r := start(t, cfg, pipeline.Settings{})
	archivetest.WaitDurable(t, st, topic, end, 60*time.Second)
	stats := r.p.Stats()
	require.NoError(t, r.stop(t))

	stored := archivetest.Offsets(t, archivetest.ReadFiltered(t, st))
	rejected := archivetest.ReadRejected(t, st)
	var total int64
	for p := range int32(parts) {
		lane := model.LaneOf(topic, p)
		have := map[int64]string{}
		for _, o := range stored[lane] {
			have[o] = "stored"
		}
		var got []int64
		for _, rej := range rejected[lane] {
			o := rej.Record.Offset
			require.Empty(t, have[o], "offset %d both %s and dead-lettered", o, have[o])
			have[o] = "rejected"
			got = append(got, o)
			assert.Equal(t, fmt.Appendf(nil, "not json %d \xff", o), rej.Record.Value, "the original bytes")
			assert.Equal(t, fmt.Appendf(nil, "k%d", o), rej.Record.Key)
			assert.Equal(t, []model.Header{{Key: "origin", Value: []byte("test")}}, rej.Record.Headers)
		}
		assert.Equal(t, bad[p], got, "partition %d: exactly the bad records are dead-lettered", p)
		assert.Len(t, have, n, "partition %d: every offset once", p)
		total += int64(len(got))
	}
	assert.Equal(t, total, stats.RecordsRejected)

	rep, err := verify.Run(t.Context(), verify.Config{}, verify.Settings{Store: st, TempDir: t.TempDir()})
	require.NoError(t, err)
	require.True(t, rep.OK, "%+v", rep.Partitions)
	assert.Equal(t, total, rep.DeadLettered)
	assert.Equal(t, int64(parts*n)-total, rep.Records)
}

// TestDeadLetterKafka: with destination kafka, every rejected record is
// published to the dead-letter topic with its key, value and headers plus
// sluice's; franz-go reads them back. The bucket records their offsets, so
// verify reports OK.
func TestDeadLetterKafka(t *testing.T) {
	const topic, dlq, parts, n = "mixed", "mixed-dlq", 2, 300
	kc := kafkatest.Start(t, parts, topic, dlq)
	url := "file://" + t.TempDir()
	cfg := deadLetterConfig(t, kc, url, topic)
	cfg.Defaults.DeadLetter = deadletter.Config{Destination: deadletter.DestinationKafka, Topic: dlq,
		Compression: "none", MaxRatio: 0.5, Window: 100}
	st := openStore(t, url, objstore.S3Config{})
	bad := produceMixed(t, kc, topic, parts, n, func(o int64) bool { return o%4 == 1 })

	end := kc.EndOffsets(t, topic)
	r := start(t, cfg, pipeline.Settings{})
	archivetest.WaitDurable(t, st, topic, end, 60*time.Second)
	require.NoError(t, r.stop(t))

	var want int
	for _, offs := range bad {
		want += len(offs)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(kc.Brokers()...), kgo.ConsumeTopics(dlq),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	defer cl.Close()
	var got []*kgo.Record
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for len(got) < want && ctx.Err() == nil {
		got = append(got, cl.PollFetches(ctx).Records()...)
	}
	require.Len(t, got, want, "one message per rejected record (a clean run publishes each once)")
	seen := map[string]bool{}
	for _, rec := range got {
		h := map[string]string{}
		for _, x := range rec.Headers {
			h[x.Key] = string(x.Value)
		}
		o, err := strconv.ParseInt(h[deadletter.HeaderOffset], 10, 64)
		require.NoError(t, err)
		assert.Equal(t, topic, h[deadletter.HeaderTopic])
		assert.Equal(t, "decoding json: not a JSON object", h[deadletter.HeaderReason])
		assert.Equal(t, "test", h["origin"], "the record's own headers come first")
		assert.Equal(t, "origin", rec.Headers[0].Key)
		assert.Equal(t, fmt.Appendf(nil, "not json %d \xff", o), rec.Value)
		assert.Equal(t, fmt.Appendf(nil, "k%d", o), rec.Key)
		id := h[deadletter.HeaderPartition] + "@" + h[deadletter.HeaderOffset]
		assert.False(t, seen[id], "%s published twice", id)
		seen[id] = true
		assert.Equal(t, int64(1), o%4)
	}

	assert.Empty(t, archivetest.ReadRejected(t, st), "nothing under _rejected/")
	rep, err := verify.Run(t.Context(), verify.Config{}, verify.Settings{Store: st, TempDir: t.TempDir()})
	require.NoError(t, err)
	require.True(t, rep.OK, "%+v", rep.Partitions)
	assert.Equal(t, int64(want), rep.DeadLettered)
}

// TestDeadLetterThreshold: a partition whose records turn bad stops sluice
// with an error naming the topic, the partition, the counts and a sample
// reason; what came before is stored and the archive verifies.
func TestDeadLetterThreshold(t *testing.T) {
	const topic = "turns-bad"
	kc := kafkatest.Start(t, 1, topic)
	url := "file://" + t.TempDir()
	cfg := deadLetterConfig(t, kc, url, topic)
	cfg.Defaults.DeadLetter.Window = 20
	st := openStore(t, url, objstore.S3Config{})
	produceMixed(t, kc, topic, 1, 50, func(int64) bool { return false })
	r := start(t, cfg, pipeline.Settings{})
	archivetest.WaitDurable(t, st, topic, kc.EndOffsets(t, topic), 60*time.Second)
	// Then the records turn bad: two in three are not JSON objects.
	var recs []kafkatest.Record
	for o := int64(50); o < 100; o++ {
		v := fmt.Appendf(nil, `{"id":%d}`, o)
		if o%3 != 0 {
			v = []byte("oops")
		}
		recs = append(recs, kafkatest.Record{Value: v})
	}
	kc.Produce(t, topic, recs...)
	var err error
	select {
	case err = <-r.done:
		r.done <- err
	case <-time.After(60 * time.Second):
		t.Fatal("sluice did not stop")
	}
	require.ErrorIs(t, err, deadletter.ErrTooManyRejected)
	assert.Contains(t, err.Error(), `topic "turns-bad" partition 0:`)
	assert.Contains(t, err.Error(), "of the last 20 records were rejected, at least dead_letter.max_ratio 0.5")
	assert.Contains(t, err.Error(), "sample reason: offset")
	assert.Contains(t, err.Error(), "decoding json: not a JSON object")

	rows := archivetest.Offsets(t, archivetest.ReadFiltered(t, st))
	stored := rows[model.LaneOf(topic, 0)]
	have := map[int64]bool{}
	for _, o := range stored {
		have[o] = true
	}
	for o := range int64(50) {
		require.True(t, have[o], "offset %d, before the bad run, is stored", o)
	}
	rep, verr := verify.Run(t.Context(), verify.Config{}, verify.Settings{Store: st, TempDir: t.TempDir()})
	require.NoError(t, verr)
	require.True(t, rep.OK, "%+v", rep.Partitions)
}
