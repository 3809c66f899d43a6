package format

import (
	"errors"
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicehq/sluice/model"
)

// ErrReleased is returned (wrapped) by EncodeFrom for held records that were
// released: the round was committed or dropped.
var ErrReleased = errors.New("held records were released")

// Held is a file's records kept in memory instead of a spill file: what a
// SpillWriter that never wrote to its file holds when the round is sealed
// (see SpillWriter.Hold). It implements model.HeldFile.
//
// Encoding it (EncodeFrom) does not consume it: a retried upload encodes it
// again to the same bytes. Release frees it once its round is committed or
// dropped; an encoding still running keeps the records until it ends. Held
// is safe for concurrent use.
type Held struct {
	mu       sync.Mutex
	refs     int // the owner's, until Release, plus running encodings
	released bool
	batches  []arrow.RecordBatch
	schema   *arrow.Schema
	rows     int64
	size     int64
	onFree   func(*Held)
}

// Hold ends the writer without a spill file and returns its records in
// memory, when it never wrote to its file (Spilled is false); otherwise it
// returns nil and leaves the writer as it was (Close or Abort it). The
// returned records count Buffered bytes; onFree (optional) is called once,
// when they are freed: after Release, once no encoding uses them.
func (w *SpillWriter) Hold(onFree func(*Held)) *Held {
	if w.closed || w.err != nil || w.Spilled() {
		return nil
	}
	h := &Held{refs: 1, rows: w.rows, size: int64(w.buffered), onFree: onFree, schema: w.layout.schema}
	if w.pending > 0 {
		h.batches = append(h.batches, w.b.NewRecordBatch())
		w.pending = 0
	}
	w.closed = true
	w.buffered = 0
	w.b.Release()
	return h
}

// Rows counts the held records.
func (h *Held) Rows() int64 { return h.rows }

// Size approximates the bytes the held records take in memory, as
// SpillWriter.Buffered counted them.
func (h *Held) Size() int64 { return h.size }

// Release gives up the owner's hold of the records; they are freed at once,
// or when the last running encoding ends. Calling it again does nothing.
func (h *Held) Release() {
	h.mu.Lock()
	if h.released {
		h.mu.Unlock()
		return
	}
	h.released = true
	h.mu.Unlock()
	h.unref()
}

// acquire takes a reference for an encoding; false once released.
func (h *Held) acquire() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.released {
		return false
	}
	h.refs++
	return true
}

// unref drops a reference, freeing the records with the last one.
func (h *Held) unref() {
	h.mu.Lock()
	h.refs--
	last := h.refs == 0
	batches := h.batches
	if last {
		h.batches = nil
	}
	h.mu.Unlock()
	if !last {
		return
	}
	for _, b := range batches {
		b.Release()
	}
	if h.onFree != nil {
		h.onFree(h)
	}
}

// open is Source's: a reader over the held batches.
func (h *Held) open(memory.Allocator) (batchReader, error) {
	if !h.acquire() {
		return nil, ErrReleased
	}
	return &heldReader{h: h}, nil
}

func (h *Held) String() string { return fmt.Sprintf("%d records held in memory", h.rows) }

// heldReader reads held batches; closing it drops its reference.
type heldReader struct {
	h *Held
	i int
}

func (r *heldReader) Next() arrow.RecordBatch {
	if r.i >= len(r.h.batches) {
		return nil
	}
	r.i++
	return r.h.batches[r.i-1]
}

func (r *heldReader) Err() error { return nil }

func (r *heldReader) Schema() *arrow.Schema { return r.h.schema }

func (r *heldReader) close() { r.h.unref() }

// Source is what EncodeFrom reads a file's records from: a closed spill file
// (SpillFile) or records held in memory (*Held).
type Source interface {
	open(alloc memory.Allocator) (batchReader, error)
	String() string
}

// SpillFile is a closed spill file as a Source.
type SpillFile string

func (p SpillFile) open(alloc memory.Allocator) (batchReader, error) {
	return openSpill(string(p), alloc)
}

func (p SpillFile) String() string { return "spill file " + string(p) }

// FileSource returns where a round's file is read from: its held records
// (RoundFile.Held, which must be a *Held) or its spill file.
func FileSource(f model.RoundFile) (Source, error) {
	if f.Held == nil {
		return SpillFile(f.Spill), nil
	}
	h, ok := f.Held.(*Held)
	if !ok {
		return nil, fmt.Errorf("file %s: held records of type %T, not *format.Held", f.Key, f.Held)
	}
	return h, nil
}

// batchReader reads a source's record batches until it is closed.
type batchReader interface {
	Batches
	close()
}
