package upload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/stages/deadletter"
	"github.com/sluicehq/sluice/stages/format"
	"github.com/sluicehq/sluice/testing/minio"
	"github.com/sluicehq/sluice/transport/objstore"
)

// rejectedRound is a round of partition 2 of topic "t" over [start..end]
// whose offsets in rejected were rejected: their dead-letter lines are in a
// spill file (spilled) or held. Its other records are left out: the files
// are not what these tests look at.
func rejectedRound(t *testing.T, start, end int64, rejected []int64, spilled bool) (*model.Round, []byte) {
	t.Helper()
	r := &model.Round{Topic: "t", Partition: 2, From: start, Start: start, End: end, Trigger: "count"}
	var set model.Offsets
	var lines []byte
	for _, o := range rejected {
		set.Add(o)
		rej := model.Rejection{Reason: fmt.Sprintf("decoding json: offset %d is not an object", o),
			Record: model.Record{Topic: "t", Partition: 2, Offset: o, Timestamp: time.UnixMilli(1_790_000_000_000 + o).UTC(),
				Key: fmt.Appendf(nil, "k%d", o), Value: []byte{'[', byte(o), 0xff},
				Headers: []model.Header{{Key: "h", Value: []byte("v")}}}}
		lines = format.AppendRejection(lines, &rej)
	}
	r.Rejected, r.RejectedRanges = set.Len(), set.Ranges()
	r.DeadLetter = &model.DeadLetter{Records: int64(len(rejected)), Bytes: int64(len(lines))}
	if spilled {
		path := filepath.Join(t.TempDir(), "rejected.jsonl")
		require.NoError(t, os.WriteFile(path, lines, 0o644))
		r.DeadLetter.Spill = path
	} else {
		r.DeadLetter.Held = heldBytes(lines)
	}
	return r, lines
}

type heldBytes []byte

func (h heldBytes) Lines() []byte { return h }
func (heldBytes) Release()        {}

func minioStore(t *testing.T) objstore.Store {
	t.Helper()
	srv := minio.Start(t)
	srv.CreateBucket(t, "archive")
	st, err := objstore.Open(t.Context(), "s3://archive/pre", srv.S3Config(), objstore.Settings{})
	require.NoError(t, err)
	return st
}

func deadLetterStage(t *testing.T, st objstore.Store, owner string, cfg deadletter.Config, pub deadletter.Publisher) *Stage {
	t.Helper()
	s, err := New(DefaultConfig(), Settings{Store: st, Ledger: commit.NewLedger(st, owner),
		Format: func(string) format.Config {
			return format.Config{Type: format.TypeJSONL, Compression: format.CompressionNone}
		},
		DeadLetter: func(string) deadletter.Config { return cfg },
		Publisher:  pub})
	require.NoError(t, err)
	return s
}

// The bucket destination: the round's dead-letter lines land, compressed
// as configured, at _rejected/<topic>/<partition>/<name>, and the record of
// their offsets names that file; held or spilled, and whoever uploads the
// round, the objects are the same bytes.
func TestUploadRejectedToBucket(t *testing.T) {
	st := minioStore(t)
	cfg := deadletter.DefaultConfig()
	cfg.Compression = format.CompressionZstd
	r, lines := rejectedRound(t, 100, 109, []int64{100, 103, 104, 109}, false)
	stored, err := deadLetterStage(t, st, "first", cfg, nil).Upload(t.Context(), r)
	require.NoError(t, err)
	require.True(t, stored)

	key := "_rejected/t/2/t+2+00000000000000000100.jsonl.zst"
	data := read(t, st, key)
	zr, err := zstd.NewReader(bytes.NewReader(data))
	require.NoError(t, err)
	got, err := io.ReadAll(zr)
	zr.Close()
	require.NoError(t, err)
	assert.Equal(t, lines, got)
	rec := read(t, st, commit.RejectedKey("t", 2, 100))
	rj, err := commit.DecodeRejected(commit.RejectedKey("t", 2, 100), rec)
	require.NoError(t, err)
	assert.Equal(t, key, rj.Key)
	assert.Equal(t, "bucket", rj.Destination)
	assert.Equal(t, int64(4), rj.Count)

	// Another owner completes the same round from a spilled copy.
	again, _ := rejectedRound(t, 100, 109, []int64{100, 103, 104, 109}, true)
	other := deadLetterStage(t, st, "second", cfg, nil)
	require.NoError(t, other.putRejected(t.Context(), again))
	assert.Equal(t, data, read(t, st, key), "the same bytes")
	assert.Equal(t, rec, read(t, st, commit.RejectedKey("t", 2, 100)))
}

// publishLog is a Publisher that keeps what it is given, or fails.
type publishLog struct {
	mu    sync.Mutex
	topic string
	recs  []model.Record
	err   error
}

func (p *publishLog) Publish(_ context.Context, topic string, recs []model.Record) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	p.topic = topic
	p.recs = append(p.recs, recs...)
	return nil
}

// The kafka destination: every rejected record is published, in offset
// order, with its original key, value and headers and sluice's, before the
// record of their offsets (naming the topic) is stored; a publisher that
// fails fails the upload, so the round is not committed.
func TestUploadRejectedToKafka(t *testing.T) {
	st, err := objstore.Open(t.Context(), "file://"+t.TempDir(), objstore.S3Config{}, objstore.Settings{})
	require.NoError(t, err)
	cfg := deadletter.Config{Destination: deadletter.DestinationKafka, Topic: "t-dlq", Compression: "none"}
	pub := &publishLog{err: errors.New("broker down")}
	offsets := make([]int64, 0, 600)
	for o := int64(1000); o < 1600; o++ {
		offsets = append(offsets, o)
	}
	r, _ := rejectedRound(t, 1000, 1700, offsets, true)
	s := deadLetterStage(t, st, "first", cfg, pub)
	_, err = s.Upload(t.Context(), r)
	require.ErrorContains(t, err, "broker down")
	_, err = st.Open(t.Context(), commit.RejectedKey("t", 2, 1000))
	require.Error(t, err, "no record of offsets before they are published")

	pub.err = nil
	stored, err := s.Upload(t.Context(), r)
	require.NoError(t, err)
	require.True(t, stored)
	assert.Equal(t, "t-dlq", pub.topic)
	require.Len(t, pub.recs, 600)
	for i, rec := range pub.recs {
		o := offsets[i]
		assert.Equal(t, fmt.Appendf(nil, "k%d", o), rec.Key)
		assert.Equal(t, []byte{'[', byte(o), 0xff}, rec.Value)
		require.Len(t, rec.Headers, 5)
		assert.Equal(t, model.Header{Key: "h", Value: []byte("v")}, rec.Headers[0])
		assert.Equal(t, model.Header{Key: deadletter.HeaderOffset, Value: fmt.Appendf(nil, "%d", o)}, rec.Headers[4])
	}
	rj, err := commit.DecodeRejected(commit.RejectedKey("t", 2, 1000), read(t, st, commit.RejectedKey("t", 2, 1000)))
	require.NoError(t, err)
	assert.Equal(t, "kafka", rj.Destination)
	assert.Equal(t, "t-dlq", rj.KafkaTopic)
	assert.Equal(t, []model.OffsetRange{{First: 1000, Last: 1599}}, rj.Ranges)
	assert.Equal(t, int64(600), s.Stats().DeadLettered.Load())
	_, err = st.Open(t.Context(), deadletter.Key("t", 2, 1000, "none"))
	assert.Error(t, err, "nothing under _rejected/")
}

// A round whose dead-letter lines do not match its rejected offsets is
// refused, not committed.
func TestUploadRejectedMismatch(t *testing.T) {
	st, err := objstore.Open(t.Context(), "file://"+t.TempDir(), objstore.S3Config{}, objstore.Settings{})
	require.NoError(t, err)
	r, _ := rejectedRound(t, 0, 9, []int64{1, 2}, false)
	r.Rejected = 3
	_, err = deadLetterStage(t, st, "o", deadletter.DefaultConfig(), nil).Upload(t.Context(), r)
	require.ErrorContains(t, err, "not as many dead-letter lines")
}
