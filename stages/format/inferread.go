package format

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/valyala/fastjson"

	"github.com/sluicehq/sluice/model"
)

// inferRows is the most rows a typed batch of an inferred file holds.
const inferRows = chunkRows

// inferredBatches reads a file's envelope batches again and hands out
// typed batches of the schema inferred from them in a first pass.
type inferredBatches struct {
	ctx    context.Context
	in     batchReader
	layout *Layout
	root   *inferred
	keys   []string // the top-level fields' keys in the values
	alloc  memory.Allocator
	p      fastjson.Parser

	batch arrow.RecordBatch // the input batch being converted
	pos   int64
	cur   arrow.RecordBatch // the last batch handed out
	err   error
}

// inferBatches infers the columns of src's JSON values (see infer.go) and
// returns its records as typed batches under the envelope columns cols.
// The caller closes the result.
func inferBatches(ctx context.Context, src Source, cols Columns, alloc memory.Allocator) (*inferredBatches, error) {
	first, err := src.open(alloc)
	if err != nil {
		return nil, err
	}
	root := &inferred{kind: kindStruct}
	var p fastjson.Parser
	for b := first.Next(); b != nil; b = first.Next() {
		if err := ctx.Err(); err != nil {
			first.close()
			return nil, err
		}
		values := b.Column(colValue)
		for i := range int(b.NumRows()) {
			if v, err := p.ParseBytes(valueBytes(values, i)); err == nil && v.Type() == fastjson.TypeObject {
				root.add(v, 0)
			}
		}
	}
	err = first.Err()
	first.close()
	if err != nil {
		return nil, err
	}
	if cols == (Columns{}) {
		cols = DefaultColumns()
	}
	s := &model.Schema{}
	var keys []string
	taken := map[string]bool{} // column names so far, without case (engines compare them so)
	for _, f := range root.fields {
		f.t.settle()
		name := f.name
		if cols.Collides(name) != nil {
			name += "_value"
		}
		// A name another field already took (case aside, or by the
		// renaming above) gets _2, _3, ... in the order fields appear.
		for n, base := 2, name; taken[strings.ToLower(name)] || cols.Collides(name) != nil; n++ {
			name = base + "_" + strconv.Itoa(n)
		}
		taken[strings.ToLower(name)] = true
		keys = append(keys, f.name)
		s.Fields = append(s.Fields, arrow.Field{Name: name, Type: f.t.arrowType(), Nullable: true})
	}
	sum := sha256.Sum256([]byte(arrow.NewSchema(s.Fields, nil).String()))
	s.ID = "inferred:" + hex.EncodeToString(sum[:6])
	layout, err := NewLayout(cols, s)
	if err != nil {
		return nil, fmt.Errorf("inferring columns: %w", err)
	}
	in, err := src.open(alloc)
	if err != nil {
		return nil, err
	}
	return &inferredBatches{ctx: ctx, in: in, layout: layout, root: root, keys: keys, alloc: alloc}, nil
}

// valueBytes is value i of the envelope's value column (binary or UTF-8).
func valueBytes(values arrow.Array, i int) []byte {
	switch a := values.(type) {
	case *array.Binary:
		return a.Value(i)
	case *array.String:
		return []byte(a.Value(i))
	}
	return nil
}

// Schema implements Batches.
func (r *inferredBatches) Schema() *arrow.Schema { return r.layout.schema }

// Next implements Batches.
func (r *inferredBatches) Next() arrow.RecordBatch {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	for r.batch == nil || r.pos >= r.batch.NumRows() {
		if r.err != nil || r.ctx.Err() != nil {
			return nil
		}
		r.batch, r.pos = r.in.Next(), 0
		if r.batch == nil {
			return nil
		}
	}
	hi := min(r.pos+inferRows, r.batch.NumRows())
	r.cur = r.convert(r.batch, r.pos, hi)
	r.pos = hi
	return r.cur
}

// convert builds the typed batch of rows [lo, hi) of b.
func (r *inferredBatches) convert(b arrow.RecordBatch, lo, hi int64) arrow.RecordBatch {
	bld := array.NewRecordBuilder(r.alloc, arrow.NewSchema(r.layout.schema.Fields()[:len(r.keys)], nil))
	defer bld.Release()
	values := b.Column(colValue)
	for i := lo; i < hi; i++ {
		v, err := r.p.ParseBytes(valueBytes(values, int(i)))
		if err != nil || v.Type() != fastjson.TypeObject {
			v = nil // a tombstone, or a value the parse stage let through untyped
		}
		for c, key := range r.keys {
			var x *fastjson.Value
			if v != nil {
				x = v.Get(key)
			}
			appendInferred(bld.Field(c), r.root.byName[key], x)
		}
	}
	typed := bld.NewRecordBatch()
	defer typed.Release()
	cols := make([]arrow.Array, 0, r.layout.schema.NumFields())
	cols = append(cols, typed.Columns()...)
	for pos, idx := range r.layout.env {
		if idx >= 0 {
			cols = append(cols, array.NewSlice(b.Column(pos), lo, hi))
		}
	}
	out := array.NewRecordBatch(r.layout.schema, cols, hi-lo)
	for _, c := range cols[len(r.keys):] {
		c.Release()
	}
	return out
}

// Err implements Batches.
func (r *inferredBatches) Err() error {
	if r.err != nil {
		return r.err
	}
	if err := r.ctx.Err(); err != nil {
		return err
	}
	return r.in.Err()
}

func (r *inferredBatches) close() {
	if r.cur != nil {
		r.cur.Release()
	}
	r.in.close()
}

// appendInferred appends v (nil: missing) to b as t says.
func appendInferred(b array.Builder, t *inferred, v *fastjson.Value) {
	if v == nil || v.Type() == fastjson.TypeNull {
		b.AppendNull()
		return
	}
	switch bb := b.(type) {
	case *array.BooleanBuilder:
		bb.Append(v.Type() == fastjson.TypeTrue)
		return
	case *array.Int64Builder:
		if n, err := v.Int64(); err == nil {
			bb.Append(n)
			return
		}
	case *array.Float64Builder:
		if f, err := v.Float64(); err == nil {
			bb.Append(f)
			return
		}
	case *array.StringBuilder:
		if s, err := v.StringBytes(); err == nil {
			bb.Append(validUTF8(string(s)))
		} else {
			bb.Append(string(v.MarshalTo(nil)))
		}
		return
	case *array.StructBuilder:
		if v.Type() == fastjson.TypeObject {
			bb.Append(true)
			for i, f := range t.fields {
				appendInferred(bb.FieldBuilder(i), f.t, v.Get(f.name))
			}
			return
		}
	case *array.ListBuilder:
		if a, err := v.Array(); err == nil {
			bb.Append(true)
			for _, x := range a {
				appendInferred(bb.ValueBuilder(), t.elem, x)
			}
			return
		}
	}
	b.AppendNull() // a value of another type: the inference saw none
}
