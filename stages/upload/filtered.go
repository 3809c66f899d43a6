package upload

import (
	"context"
	"io"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/telemetry"
)

// putFiltered stores the record of r's filtered offsets (commit.Filtered)
// at its key, like a file of the round: before the round is committed, the
// same bytes whoever writes the round, and an object already there kept when
// r.KeepStored (its earlier owner saw records Kafka no longer has). A round
// without filtered records stores nothing.
func (s *Stage) putFiltered(ctx context.Context, r *model.Round) error {
	f, ok := commit.FilteredOf(r)
	if !ok {
		return nil
	}
	key := commit.FilteredKey(r.Topic, r.Partition, r.Start)
	if kept, err := s.keep(ctx, r, key, "keeping the filtered offsets the pending round's earlier owner stored"); kept || err != nil {
		return err
	}
	data, err := f.Encode()
	if err != nil {
		return err
	}
	return s.putRecord(ctx, key, data)
}

// keep reports whether the object at key, one of r's, is to be kept as it
// is: r completes a pending round of which Kafka no longer has every record
// (r.KeepStored) and the object is there, written by the round's earlier
// owner from all of them. It logs why, with msg ("" says nothing).
func (s *Stage) keep(ctx context.Context, r *model.Round, key, msg string) (bool, error) {
	if !r.KeepStored {
		return false, nil
	}
	stored, err := s.stored(ctx, key)
	if err != nil || !stored {
		return false, err
	}
	if msg != "" {
		s.set.Logger.Warn(msg, "lane", r.Lane(), "key", key)
	}
	return true, nil
}

// putRecord stores one of the round's small records (of filtered or
// rejected offsets) at key, traced like a file.
func (s *Stage) putRecord(ctx context.Context, key string, data []byte) error {
	pctx, span := s.set.Tracer.StartPut(ctx, key)
	err := s.putBytes(pctx, key, data)
	if span.IsRecording() {
		span.SetAttributes(telemetry.AttrFileBytes.Int64(int64(len(data))))
	}
	telemetry.End(span, err)
	return err
}

// putBytes stores data under key (streamed where the store can take a
// stream, else through a temp file: Store.Put takes a file, and the object
// may be larger than Store.PutIf's small objects).
func (s *Stage) putBytes(ctx context.Context, key string, data []byte) error {
	return s.store(ctx, key, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
