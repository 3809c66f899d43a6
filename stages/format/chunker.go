package format

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// chunker re-cuts a stream of record batches, whatever their sizes, into
// chunks whose boundaries depend only on the rows: a chunk ends after
// chunkRows rows or after the row that brings its payload to chunkBytes.
type chunker struct {
	alloc memory.Allocator
	// emit receives each chunk; the chunk is released when emit returns.
	emit func(arrow.RecordBatch) error

	parts []arrow.RecordBatch
	rows  int
	bytes int
}

// add cuts b into the pending chunk, emitting every chunk it completes.
func (c *chunker) add(b arrow.RecordBatch) error {
	size := newRowSizer(b)
	n := int(b.NumRows())
	start := 0
	for i := range n {
		c.rows++
		c.bytes += size.row(i)
		if c.rows >= chunkRows || c.bytes >= chunkBytes {
			c.parts = append(c.parts, b.NewSlice(int64(start), int64(i+1)))
			if err := c.flush(); err != nil {
				return err
			}
			start = i + 1
		}
	}
	if start < n {
		c.parts = append(c.parts, b.NewSlice(int64(start), int64(n)))
	}
	return nil
}

// flush emits the pending rows as one chunk, if there are any.
func (c *chunker) flush() error {
	if len(c.parts) == 0 {
		return nil
	}
	defer c.release()
	if len(c.parts) == 1 {
		return c.emit(c.parts[0])
	}
	rec, err := concatBatches(c.parts, c.alloc)
	if err != nil {
		return err
	}
	defer rec.Release()
	return c.emit(rec)
}

// release drops the pending rows.
func (c *chunker) release() {
	for _, p := range c.parts {
		p.Release()
	}
	c.parts = c.parts[:0]
	c.rows, c.bytes = 0, 0
}

// concatBatches joins batches of one schema into one.
func concatBatches(parts []arrow.RecordBatch, alloc memory.Allocator) (arrow.RecordBatch, error) {
	schema := parts[0].Schema()
	numCols := int(parts[0].NumCols())
	cols := make([]arrow.Array, 0, numCols)
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	arrs := make([]arrow.Array, len(parts))
	var rows int64
	for _, p := range parts {
		rows += p.NumRows()
	}
	for col := range numCols {
		for i, p := range parts {
			arrs[i] = p.Column(col)
		}
		joined, err := array.Concatenate(arrs, alloc)
		if err != nil {
			return nil, fmt.Errorf("concatenating column %s: %w", schema.Field(col).Name, err)
		}
		cols = append(cols, joined)
	}
	return array.NewRecordBatch(schema, cols, rows), nil
}

// rowSizer measures the payload of the rows of one batch, the same way for
// every batch a row may arrive in: for the envelope schema as Record.Size
// counts it plus the topic and a fixed overhead, for a typed file the bytes
// of every column's value.
type rowSizer struct {
	env        bool
	topic      *array.String
	key, value *array.Binary
	headers    *array.List
	hdrKey     *array.String
	hdrValue   *array.Binary
	cols       []arrow.Array
}

func newRowSizer(b arrow.RecordBatch) rowSizer {
	if !b.Schema().Equal(envelope) {
		return rowSizer{cols: b.Columns()}
	}
	headers := b.Column(colHeaders).(*array.List)
	st := headers.ListValues().(*array.Struct)
	return rowSizer{
		env:      true,
		topic:    b.Column(colTopic).(*array.String),
		key:      b.Column(colKey).(*array.Binary),
		value:    b.Column(colValue).(*array.Binary),
		headers:  headers,
		hdrKey:   st.Field(hdrKey).(*array.String),
		hdrValue: st.Field(hdrValue).(*array.Binary),
	}
}

func (s rowSizer) row(i int) int {
	if !s.env {
		n := 0
		for _, c := range s.cols {
			n += valueSize(c, i)
		}
		return n
	}
	n := s.topic.ValueLen(i) + s.key.ValueLen(i) + s.value.ValueLen(i) + rowOverhead
	start, end := s.headers.ValueOffsets(i)
	for j := int(start); j < int(end); j++ {
		n += s.hdrKey.ValueLen(j) + s.hdrValue.ValueLen(j) + 8
	}
	return n
}

// valueSize is the bytes value i of arr takes: its width for fixed-width
// types, its length for strings and binaries, the sum of its children's
// for nested ones, 1 for a null.
func valueSize(arr arrow.Array, i int) int {
	if arr.IsNull(i) {
		return 1
	}
	switch a := arr.(type) {
	case *array.String:
		return a.ValueLen(i)
	case *array.Binary:
		return a.ValueLen(i)
	case *array.Struct:
		n := 0
		for f := range a.NumField() {
			n += valueSize(a.Field(f), i)
		}
		return n
	case array.ListLike: // lists and maps
		start, end := a.ValueOffsets(i)
		n := 0
		for j := start; j < end; j++ {
			n += valueSize(a.ListValues(), int(j))
		}
		return n + 4
	}
	if fw, ok := arr.DataType().(arrow.FixedWidthDataType); ok {
		return max(fw.BitWidth()/8, 1)
	}
	return 8
}
