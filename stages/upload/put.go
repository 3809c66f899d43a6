package upload

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/format"
	"github.com/sluicehq/sluice/transport/objstore"
)

// put encodes one file into the store and returns the bytes stored. A store
// that takes a stream (objstore.Streamer) gets the encoder's output as it is
// written; another gets a temp file. A retry encodes the file again: the
// bytes are the same.
func (s *Stage) put(ctx context.Context, topic string, f model.RoundFile) (int64, error) {
	src, err := format.FileSource(f)
	if err != nil {
		return 0, err
	}
	cfg := s.set.Format(topic)
	var res format.Result
	write := func(w io.Writer) error {
		var err error
		res, err = s.encode(ctx, src, w, cfg)
		if err != nil {
			return fmt.Errorf("encoding %s: %w", f.Key, err)
		}
		if res.Rows != f.Records {
			return fmt.Errorf("encoding %s: wrote %d rows, the round has %d", f.Key, res.Rows, f.Records)
		}
		return nil
	}
	if err := s.store(ctx, f.Key, write); err != nil {
		return 0, err
	}
	return res.Bytes, nil
}

// store stores under key what write writes: straight into a store that
// takes a stream (objstore.Streamer), else through a temp file.
func (s *Stage) store(ctx context.Context, key string, write func(io.Writer) error) error {
	if st, ok := s.set.Store.(objstore.Streamer); ok {
		if _, err := st.PutStream(ctx, key, write); err != nil {
			return fmt.Errorf("storing %s: %w", key, err)
		}
		return nil
	}
	return s.putFile(ctx, key, write)
}

// putFile stores what write writes through a temp file, for stores that
// cannot take a stream.
func (s *Stage) putFile(ctx context.Context, key string, write func(io.Writer) error) error {
	out, err := os.CreateTemp("", "sluice-upload-*.out")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", key, err)
	}
	defer os.Remove(out.Name())
	err = write(out) // the encoder buffers its writes
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if _, err := s.set.Store.Put(ctx, key, out.Name()); err != nil {
		return fmt.Errorf("storing %s: %w", key, err)
	}
	return nil
}
