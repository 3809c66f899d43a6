package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/stages/buffer"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/testing/tmpfs"
)

// TestBufferDiskFull runs the buffer on a 4 MiB filesystem with 2 MiB of
// memory and 60,000 records of 300 bytes over 2 partitions (18 MB, far more
// than the disk holds). The disk bound (derived from the free space) seals
// rounds early, spills wait for uploads to free room, and every record is
// archived exactly once, without the partitions being dropped and read again
// (which, on every full disk, restarted the consumer group's session).
func TestBufferDiskFull(t *testing.T) {
	const topic, parts, n, size = "events", 2, 60_000, 300
	kc := kafkatest.Start(t, parts, topic)
	cfg := testConfig(t, kc.Brokers(), "file://"+t.TempDir(), topic)
	cfg.Buffer.Dir = tmpfs.Mount(t, 4<<20)
	cfg.Buffer.Memory = 2 << 20
	cfg.Defaults.Policy = buffer.DefaultPolicy()
	cfg.Defaults.Policy.Idle = 2 * time.Second // the last rounds, once nothing arrives

	base := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	for lo := 0; lo < n; lo += 5000 {
		recs := make([]kafkatest.Record, 0, 5000)
		for i := lo; i < lo+5000; i++ {
			ts := base.Add(time.Duration(i) * time.Millisecond)
			sum := sha256.Sum256(fmt.Appendf(nil, "%d", i))
			v := fmt.Appendf(nil, `{"id":%d,"ts":%d,"pad":"`, i, ts.UnixMilli())
			for len(v) < size-2 {
				v = append(v, hex.EncodeToString(sum[:])...)
			}
			v = append(v[:size-2], `"}`...)
			recs = append(recs, kafkatest.Record{Partition: int32(i % parts), Value: v, Timestamp: ts})
		}
		kc.Produce(t, topic, recs...)
	}
	end := kc.EndOffsets(t, topic)

	r := start(t, cfg, pipelineSettings())
	st := openStore(t, cfg.Destination.URL, cfg.Destination.S3)
	archivetest.WaitDurable(t, st, topic, end, 3*time.Minute)
	stats := r.p.Stats()
	require.NoError(t, r.stop(t))

	archivetest.RequireExactlyOnce(t, archivetest.ReadAll(t, st), topic, end)
	t.Logf("rounds by trigger %v, spill retries %d, broken chains %d, partitions assigned %d",
		stats.RoundsSealedBy, stats.SpillRetries, stats.ChainsBroken, stats.PartitionsAssigned)
	assert.Positive(t, stats.RoundsSealedBy[buffer.TriggerDisk], "rounds sealed because the disk filled up")
	assert.Zero(t, stats.RoundsSealedBy[buffer.TriggerSize], "no round reached 128MiB")
	assert.LessOrEqual(t, stats.ChainsBroken, int64(1), "partitions dropped and read again")
	assert.LessOrEqual(t, stats.PartitionsAssigned, int64(3*parts), "at most 3 consumer-group generations")
}

// TestRecordLargerThanTheDiskBound produces a record larger than half of
// buffer.max_disk: sluice stops with an error naming it instead of retrying
// it forever, after committing the records before it.
func TestRecordLargerThanTheDiskBound(t *testing.T) {
	const topic = "events"
	kc := kafkatest.Start(t, 1, topic)
	cfg := testConfig(t, kc.Brokers(), "file://"+t.TempDir(), topic)
	cfg.Buffer.MaxDisk = buffer.MinMaxDisk // a record may have 512 KiB
	ts := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	small := func(i int) kafkatest.Record {
		return kafkatest.Record{Value: fmt.Appendf(nil, `{"id":%d,"ts":%d}`, i, ts.UnixMilli()), Timestamp: ts}
	}
	big := kafkatest.Record{Value: fmt.Appendf(nil, `{"ts":%d,"pad":"%0600000d"}`, ts.UnixMilli(), 0), Timestamp: ts}
	kc.Produce(t, topic, small(0), small(1), small(2), big, small(4))

	r := start(t, cfg, pipelineSettings())
	var err error
	select {
	case err = <-r.done:
		r.done <- err // for Cleanup
	case <-time.After(60 * time.Second):
		t.Fatal("sluice did not stop on a record it cannot buffer")
	}
	require.ErrorIs(t, err, buffer.ErrRecordTooLarge)
	assert.Contains(t, err.Error(), "events/0@3")
	st := openStore(t, cfg.Destination.URL, cfg.Destination.S3)
	archivetest.RequireExactlyOnce(t, archivetest.ReadAll(t, st), topic, map[int32]int64{0: 3})
}
