package upload_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/buffer"
	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/stages/format"
	"github.com/sluicehq/sluice/stages/upload"
	"github.com/sluicehq/sluice/transport/objstore"
)

// noOffsets stands in for the Kafka coordinator: the progress record is the
// truth, committing offsets is not measured.
type noOffsets struct{}

func (noOffsets) Commit(string, int32, int64) error { return nil }

// BenchmarkUploadRound measures a round's way from the buffer to the file
// store: records appended in batches of 100 to the buffer, sealed at 20,000
// records (about 6 MB), each sealed round claimed, encoded, stored and
// committed by the upload and commit stages before the next record. b.N
// counts records, so ns/op is per record and includes every stage after
// partitioning: buffering, spilling (or holding), encoding, the store's
// write and fsync, and the two progress-record writes per round.
func BenchmarkUploadRound(b *testing.B) {
	for _, fc := range []format.Config{
		{Type: format.TypeParquet, Compression: format.CompressionZstd},
		{Type: format.TypeJSONL, Compression: format.CompressionZstd},
	} {
		b.Run(fc.Type, func(b *testing.B) { benchUploadRound(b, fc) })
	}
}

func benchUploadRound(b *testing.B, fc format.Config) {
	ctx := b.Context()
	store, err := objstore.Open(ctx, "file://"+b.TempDir(), objstore.S3Config{}, objstore.Settings{})
	require.NoError(b, err)
	ledger := commit.NewLedger(store, "bench")
	up, err := upload.New(upload.DefaultConfig(), upload.Settings{
		Store: store, Ledger: ledger, Format: func(string) format.Config { return fc },
	})
	require.NoError(b, err)
	com, err := commit.New(commit.Settings{Ledger: ledger, Offsets: noOffsets{}})
	require.NoError(b, err)
	buf, err := buffer.New(buffer.Config{Dir: b.TempDir(), Memory: 64 << 20, MaxOpenFiles: 100}, buffer.Settings{
		Publish: func(ctx context.Context, r *model.Round) error {
			if _, err := up.Upload(ctx, r); err != nil {
				return err
			}
			return com.Commit(ctx, r)
		},
		Topic: func(string) buffer.TopicSettings {
			return buffer.TopicSettings{Extension: format.Extension(fc), Policy: buffer.Policy{
				MaxBytes: 128 << 20, MaxRecords: 20_000, MaxEventSpan: time.Hour, Idle: time.Hour,
			}}
		},
	})
	require.NoError(b, err)
	require.NoError(b, buf.Start())
	defer func() { require.NoError(b, buf.Close()) }()
	buf.Assign("events", 0, 0, nil)

	base := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	value := func(i int64) []byte {
		return fmt.Appendf(nil, `{"id":"%016x","ts":%d,"event":"page_view","user":{"id":%d,"name":"alice"},`+
			`"url":"https://example.com/some/path?x=1&y=2","props":{"a":1.5,"b":true,"c":null},"pad":"qwertyuiopasdfghjklzxcvbnm"}`,
			i*7919, base.UnixMilli()+i, i%10_000)
	}
	values := make([][]byte, 1000)
	for i := range values {
		values[i] = value(int64(i))
	}
	rec := model.Record{Topic: "events", Key: []byte("u12345"), Timestamp: base, EventTime: base,
		Path: "events/dt=2026-11-22/hr=01"}
	rec.Value = values[0]
	b.SetBytes(int64(rec.Size()))
	b.ReportAllocs()
	batch := &model.Batch{Topic: "events", Records: make([]model.Record, 0, 100)}
	var off int64
	flush := func() {
		if err := buf.Append(ctx, batch); err != nil {
			b.Fatal(err)
		}
		batch.Records = batch.Records[:0]
	}
	for b.Loop() {
		rec.Offset, rec.Value = off, values[off%int64(len(values))]
		batch.Records = append(batch.Records, rec)
		if len(batch.Records) == cap(batch.Records) {
			flush()
		}
		off++
	}
	flush()
}
