package format

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicehq/sluice/model"
)

// ErrClosed is returned by a SpillWriter used after Close or Abort.
var ErrClosed = errors.New("spill writer is closed")

// rowOverhead approximates the builder bytes a row costs besides its payload
// and topic: partition, offset, timestamp, offsets and validity bits.
const rowOverhead = 4 + 8 + 8 + 4*4 + 1

// spillBufferSize is the write buffer between the IPC writer and the file.
const spillBufferSize = 64 << 10

// spillBuffers pools the write buffers of spill files. A file needs one only
// while a batch is written: one per open file would cost spillBufferSize per
// open file, outside the buffer's memory bound (64 MiB at 1000 open files).
var spillBuffers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, spillBufferSize) }}

// RetryFunc decides whether a write to a spill file that failed (a full disk,
// an I/O error) is tried again: it may block (a backoff) and returns false to
// give up. attempt counts the failures of one write, from 1. It is called on
// the goroutine writing the spill file.
type RetryFunc func(err error, attempt int) bool

// spillSink is a spill file as its IPC writer sees it: the writer writes only
// from within buffered, where a pooled buffer sits in front of the file.
// Writes to the file are retried as the sink's RetryFunc says, so the IPC
// writer (whose first error is final) sees an error only once retrying gave
// up: a batch written after a failure continues exactly where the file ends.
type spillSink struct {
	path string
	file *os.File // nil until the first write creates it
	// out is the file (tests wrap it to inject faults); nil until the file
	// is created.
	out io.Writer
	// wrap, when set, wraps the file as it is created (tests inject faults).
	wrap  func(io.Writer) io.Writer
	buf   *bufio.Writer // nil outside buffered
	retry RetryFunc     // nil: never retry
	// written counts the bytes written to the file.
	written int64
}

func (s *spillSink) Write(p []byte) (int, error) {
	if s.buf == nil {
		return s.writeOut(p)
	}
	return s.buf.Write(p)
}

// writeOut writes p to the file, retrying after a failure from where the
// write stopped.
func (s *spillSink) writeOut(p []byte) (int, error) {
	total := 0
	for attempt := 1; ; attempt++ {
		if s.out == nil {
			// The file is created by its first write: a file whose records
			// are held in memory at seal (Hold) never touches the disk.
			f, err := createSpill(s.path)
			if err != nil {
				if s.retry == nil || !s.retry(fmt.Errorf("creating spill file: %w", err), attempt) {
					return total, fmt.Errorf("creating spill file: %w", err)
				}
				continue
			}
			s.file, s.out = f, f
			if s.wrap != nil {
				s.out = s.wrap(f)
			}
		}
		n, err := s.out.Write(p)
		total += n
		s.written += int64(n)
		p = p[n:]
		if err == nil && len(p) == 0 {
			return total, nil
		}
		if err == nil {
			err = io.ErrShortWrite
		}
		if s.retry == nil || !s.retry(err, attempt) {
			return total, err
		}
	}
}

// sinkFile is the sink's file side, as the pooled buffer writes to it.
type sinkFile spillSink

func (f *sinkFile) Write(p []byte) (int, error) { return (*spillSink)(f).writeOut(p) }

// buffered runs write with a pooled buffer in front of the file and flushes
// it before returning the buffer to the pool.
func (s *spillSink) buffered(write func() error) error {
	bw := spillBuffers.Get().(*bufio.Writer)
	bw.Reset((*sinkFile)(s))
	s.buf = bw
	err := write()
	if ferr := bw.Flush(); err == nil && ferr != nil {
		err = ferr
	}
	s.buf = nil
	bw.Reset(nil)
	spillBuffers.Put(bw)
	return err
}

// createSpill creates (or truncates) the spill file at path, and its
// directory if needed.
func createSpill(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	return os.Create(path)
}

// SpillWriter appends records to an Arrow builder and writes them to an Arrow
// IPC stream file in batches, one batch per Flush. The buffer stage keeps one
// per open output file and decides when to Flush, so batch boundaries in a
// spill file are arbitrary; Encode does not depend on them. Its columns are
// its Layout's: the envelope, or a schema's value fields and the envelope
// columns a topic keeps.
//
// A SpillWriter is not safe for concurrent use. After Close or Abort it holds
// no Arrow memory; using it then returns ErrClosed.
type SpillWriter struct {
	path   string
	sink   *spillSink // holds the file
	ipc    *ipc.Writer
	layout *Layout

	b *array.RecordBuilder
	// The envelope's builders; nil for a column the layout switches off.
	topic    *array.StringBuilder
	part     *array.Int32Builder
	offset   *array.Int64Builder
	ts       *array.TimestampBuilder
	key      *array.BinaryBuilder
	headers  *array.ListBuilder
	header   *array.StructBuilder
	hdrKey   *array.StringBuilder
	hdrValue *array.BinaryBuilder
	value    *array.BinaryBuilder
	text     *array.StringBuilder // the value column when it is UTF-8
	// fields are the builders of the value's typed fields, in schema order.
	fields []array.Builder

	// pending counts the rows in the builder.
	pending  int
	buffered int
	rows     int64
	// last is the size of the batch last flushed: the next one is reserved
	// at that size when its first row arrives, so the builders do not grow
	// by doubling (and copying) from empty again.
	last   batchSize
	closed bool
	err    error // sticky: the first write error, or ErrClosed
}

// batchSize is what a batch held: rows and the bytes of its variable-width
// envelope columns.
type batchSize struct {
	rows, topic, key, value int
}

// envelopeLayout is the layout of files of records without a schema.
var envelopeLayout, _ = NewLayout(Columns{}, nil)

// NewSpillWriter returns a writer of the spill file at path for records
// without a schema (the envelope layout); see NewLayoutSpillWriter.
func NewSpillWriter(path string, alloc memory.Allocator) (*SpillWriter, error) {
	return NewLayoutSpillWriter(path, envelopeLayout, alloc)
}

// NewLayoutSpillWriter returns a writer of the spill file at path holding
// the columns of layout. The file is created (or truncated), with its
// directory, by the first Flush or by Close, never when the records are
// held in memory (Hold). Arrow memory comes from alloc. It returns an error
// only for a path that names no file.
func NewLayoutSpillWriter(path string, layout *Layout, alloc memory.Allocator) (*SpillWriter, error) {
	if path == "" {
		return nil, errors.New("creating spill writer: empty path")
	}
	w := &SpillWriter{path: path, sink: &spillSink{path: path}, layout: layout}
	w.ipc = ipc.NewWriter(w.sink, ipc.WithSchema(layout.schema), ipc.WithAllocator(alloc))
	w.b = array.NewRecordBuilder(alloc, layout.schema)
	col := func(i int) array.Builder {
		if layout.env[i] < 0 {
			return nil
		}
		return w.b.Field(layout.env[i])
	}
	w.topic, _ = col(envTopic).(*array.StringBuilder)
	w.part, _ = col(envPartition).(*array.Int32Builder)
	w.offset, _ = col(envOffset).(*array.Int64Builder)
	w.ts, _ = col(envTimestamp).(*array.TimestampBuilder)
	w.key, _ = col(envKey).(*array.BinaryBuilder)
	if w.headers, _ = col(envHeaders).(*array.ListBuilder); w.headers != nil {
		w.header = w.headers.ValueBuilder().(*array.StructBuilder)
		w.hdrKey = w.header.FieldBuilder(hdrKey).(*array.StringBuilder)
		w.hdrValue = w.header.FieldBuilder(hdrValue).(*array.BinaryBuilder)
	}
	switch v := col(envValue).(type) {
	case *array.BinaryBuilder:
		w.value = v
	case *array.StringBuilder:
		w.text = v
	}
	if layout.value != nil {
		for i := range layout.value.Fields {
			w.fields = append(w.fields, w.b.Field(i))
		}
	}
	return w, nil
}

// Layout is the writer's layout.
func (w *SpillWriter) Layout() *Layout { return w.layout }

// Path is the spill file's path.
func (w *SpillWriter) Path() string { return w.path }

// SetRetry makes failed writes to the file be retried as retry says (nil:
// never, the default). Call it before the first Flush.
func (w *SpillWriter) SetRetry(retry RetryFunc) { w.sink.retry = retry }

// Written counts the bytes written to the spill file so far: what it takes
// on disk.
func (w *SpillWriter) Written() int64 { return w.sink.written }

// Append copies rec into the builder, every column of the row at once. It
// cannot fail on user data; rec may be reused once Append returns. After Close
// or Abort it does nothing. A typed record's fields go to the value columns
// (a field that does not fit its column, which a record checked against its
// schema never has, becomes null); a value that is not valid UTF-8 in a
// string value column gets U+FFFD for the invalid bytes (the pipeline
// dead-letters such records before they get here).
func (w *SpillWriter) Append(rec *model.Record) {
	if w.closed {
		return
	}
	if w.last.rows > 0 && w.pending == 0 {
		w.reserve()
	}
	if w.fields != nil {
		m, _ := rec.Fields()
		for i, f := range w.layout.value.Fields {
			appendGo(w.fields[i], m[f.Name])
		}
	}
	if w.topic != nil {
		w.topic.Append(validUTF8(rec.Topic))
	}
	if w.part != nil {
		w.part.Append(rec.Partition)
	}
	w.offset.Append(rec.Offset)
	if w.ts != nil {
		w.ts.Append(arrow.Timestamp(rec.Timestamp.UnixMilli()))
	}
	if w.key != nil {
		appendNullable(w.key, rec.Key)
	}
	if w.headers != nil {
		w.headers.Append(true)
		for _, h := range rec.Headers {
			w.header.Append(true)
			w.hdrKey.Append(validUTF8(h.Key))
			appendNullable(w.hdrValue, h.Value)
		}
	}
	switch {
	case w.value != nil:
		appendNullable(w.value, rec.Value)
	case w.text != nil && rec.Value == nil:
		w.text.AppendNull()
	case w.text != nil:
		w.text.Append(validUTF8(string(rec.Value)))
	}
	w.buffered += rec.Size() + len(rec.Topic) + rowOverhead + 8*len(rec.Headers) + w.layout.rowCost
	w.rows++
	w.pending++
}

// reserve makes room for a batch the size of the last one.
func (w *SpillWriter) reserve() {
	w.b.Reserve(w.last.rows)
	if w.topic != nil {
		w.topic.ReserveData(w.last.topic)
	}
	if w.key != nil {
		w.key.ReserveData(w.last.key)
	}
	if w.value != nil {
		w.value.ReserveData(w.last.value)
	}
}

// dataLen is the data bytes of a variable-width builder, 0 for none (a
// column the layout switches off).
func dataLen[B *array.StringBuilder | *array.BinaryBuilder](b B) int {
	switch b := any(b).(type) {
	case *array.StringBuilder:
		if b != nil {
			return b.DataLen()
		}
	case *array.BinaryBuilder:
		if b != nil {
			return b.DataLen()
		}
	}
	return 0
}

// validUTF8 returns s with invalid UTF-8 replaced by U+FFFD. Kafka requires
// topic names (ASCII) and header keys to be UTF-8; a client that breaks the
// rule must not make the file unreadable (Parquet readers such as DuckDB
// reject invalid strings).
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// appendNullable appends v, or null when v is nil (an empty, non-nil v is an
// empty value, as in Kafka).
func appendNullable(b *array.BinaryBuilder, v []byte) {
	if v == nil {
		b.AppendNull()
		return
	}
	b.Append(v)
}

// Buffered approximates the bytes held in the builder, for memory accounting.
func (w *SpillWriter) Buffered() int { return w.buffered }

// Rows counts the records appended so far, flushed or not.
func (w *SpillWriter) Rows() int64 { return w.rows }

// Flush writes what is buffered to the file as one batch and releases its
// memory. It does nothing when nothing is buffered.
func (w *SpillWriter) Flush() error {
	if w.closed {
		return ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	if w.pending > 0 {
		w.last = batchSize{rows: w.pending, topic: dataLen(w.topic), key: dataLen(w.key), value: dataLen(w.value)}
		w.pending = 0
		rec := w.b.NewRecordBatch()
		err := w.sink.buffered(func() error { return w.ipc.Write(rec) })
		rec.Release()
		w.buffered = 0
		if err != nil {
			w.err = fmt.Errorf("writing spill batch to %q: %w", w.path, err)
		}
	}
	return w.err
}

// Close flushes, ends the stream and closes the file. It releases all Arrow
// memory even when it fails; a failed spill file should be removed by the
// caller. Calling Close again returns ErrClosed.
func (w *SpillWriter) Close() error {
	if w.closed {
		return ErrClosed
	}
	err := w.Flush()
	w.closed = true
	w.b.Release()
	if cerr := w.sink.buffered(w.ipc.Close); cerr != nil && err == nil {
		err = fmt.Errorf("ending spill stream %q: %w", w.path, cerr)
	}
	if w.sink.file == nil {
		return err // creating the file failed; that error is err
	}
	if cerr := w.sink.file.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("closing spill file %q: %w", w.path, cerr)
	}
	return err
}

// Spilled reports whether the writer has written to its spill file: the
// records can no longer be held in memory (Hold).
func (w *SpillWriter) Spilled() bool { return w.sink.file != nil || w.sink.written > 0 }

// Abort releases all Arrow memory, closes the file and removes it. It is safe
// to call after Close (it then only removes the file) and more than once.
func (w *SpillWriter) Abort() {
	if !w.closed {
		w.closed = true
		w.b.Release()
		if w.sink.file == nil {
			return // never created (ending the IPC stream would create it)
		}
		_ = w.ipc.Close()
		_ = w.sink.file.Close()
	}
	_ = os.Remove(w.path)
}
