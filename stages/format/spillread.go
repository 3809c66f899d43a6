package format

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ErrCorruptSpill is returned (wrapped) when a spill file is truncated, was
// not closed, holds another schema, or cannot be decoded.
var ErrCorruptSpill = errors.New("corrupt spill file")

// endOfStream is the Arrow IPC end-of-stream marker: a continuation token
// followed by a zero length. A spill file that lacks it was not closed, or was
// truncated (possibly at a batch boundary, which the IPC reader alone would
// take for a shorter, valid stream).
var endOfStream = []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}

var _ batchReader = (*spillReader)(nil)

// spillReader reads the record batches of a closed spill file.
type spillReader struct {
	file *os.File
	rd   *ipc.Reader
}

// openSpill opens a spill file written by SpillWriter and checks its trailer
// and schema.
func openSpill(path string, alloc memory.Allocator) (*spillReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening spill file: %w", err)
	}
	if err := checkTrailer(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("reading spill file %q: %w", path, err)
	}
	rd, err := ipc.NewReader(bufio.NewReaderSize(f, spillBufferSize), ipc.WithAllocator(alloc))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("reading spill file %q: %w: %w", path, ErrCorruptSpill, err)
	}
	if !rd.Schema().Equal(envelope) && columnNamed(rd.Schema(), MetaOffsetColumn, "") == "" {
		rd.Release()
		f.Close()
		return nil, fmt.Errorf("reading spill file %q: %w: schema %s is neither the envelope nor a typed file's", path, ErrCorruptSpill, rd.Schema())
	}
	return &spillReader{file: f, rd: rd}, nil
}

func checkTrailer(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() < int64(len(endOfStream)) {
		return fmt.Errorf("%w: %d bytes is too short", ErrCorruptSpill, st.Size())
	}
	tail := make([]byte, len(endOfStream))
	if _, err := f.ReadAt(tail, st.Size()-int64(len(tail))); err != nil {
		return err
	}
	if !bytes.Equal(tail, endOfStream) {
		return fmt.Errorf("%w: no end-of-stream marker (truncated or not closed)", ErrCorruptSpill)
	}
	return nil
}

// Next returns the next batch, owned by the reader until the following call,
// or nil at the end of the stream or on error (see Err).
func (r *spillReader) Next() arrow.RecordBatch {
	if !r.rd.Next() {
		return nil
	}
	return r.rd.RecordBatch()
}

// Schema is the spill file's schema.
func (r *spillReader) Schema() *arrow.Schema { return r.rd.Schema() }

// Err is the error that ended the stream early, wrapping ErrCorruptSpill.
func (r *spillReader) Err() error {
	if err := r.rd.Err(); err != nil {
		return fmt.Errorf("reading spill file %q: %w: %w", r.file.Name(), ErrCorruptSpill, err)
	}
	return nil
}

func (r *spillReader) close() {
	r.rd.Release()
	r.file.Close()
}
