package format

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/valyala/fastjson"
)

// Inference: a topic with "schema: infer" spills its JSON values as bytes,
// and each file's columns are inferred from the values the file holds when
// it is encoded, so that the file's schema is a pure function of its
// records (the exactly-once protocol needs the same bytes from whoever
// encodes the file). The policy, for each field, over the file's values:
//
//   - a field is a column, nullable, in the order fields first appear;
//     records without it hold null;
//   - integers (JSON numbers without a fraction or exponent that fit in 64
//     bits) are int64; any other number, or a mix of both, is float64
//     (int widens to double);
//   - true and false are bool; strings are string;
//   - objects are structs of their fields (inferred the same way), arrays
//     lists of their items' type;
//   - any other mix of types (a string and a number, an object and an
//     array), an empty object, a list of nothing but nulls, or nesting
//     deeper than maxInferDepth is a string column: strings as they are,
//     any other value as its JSON text. Nothing is rejected or lost.
//   - a top-level field named like an envelope column (case aside) gets the
//     suffix "_value" ("_offset" becomes "_offset_value"), and a name
//     another field took first, case aside ("id" then "ID"), gets "_2",
//     "_3", ...

// maxInferDepth is the nesting beyond which values are kept as JSON text.
const maxInferDepth = 16

// kind is an inferred type.
type kind uint8

const (
	kindNull kind = iota // only nulls seen so far
	kindBool
	kindInt
	kindFloat
	kindString
	kindStruct
	kindList
	kindText // a conflict: values as JSON text
)

// inferred is the inferred type of a field.
type inferred struct {
	kind   kind
	fields []*namedInferred // a struct's, in order of appearance
	byName map[string]*inferred
	elem   *inferred // a list's
}

type namedInferred struct {
	name string
	t    *inferred
}

// add merges the type of v into t.
func (t *inferred) add(v *fastjson.Value, depth int) {
	if t.kind == kindText {
		return
	}
	var k kind
	switch v.Type() {
	case fastjson.TypeNull:
		return
	case fastjson.TypeTrue, fastjson.TypeFalse:
		k = kindBool
	case fastjson.TypeNumber:
		k = kindFloat
		if _, err := v.Int64(); err == nil && !strings.ContainsAny(v.String(), ".eE") {
			k = kindInt
		}
	case fastjson.TypeString:
		k = kindString
	case fastjson.TypeObject:
		k = kindStruct
	case fastjson.TypeArray:
		k = kindList
	}
	if depth >= maxInferDepth && (k == kindStruct || k == kindList) {
		t.kind = kindText
		return
	}
	switch {
	case t.kind == kindNull:
		t.kind = k
	case t.kind == k:
	case (t.kind == kindInt && k == kindFloat) || (t.kind == kindFloat && k == kindInt):
		t.kind = kindFloat
	default:
		t.kind = kindText
		t.fields, t.byName, t.elem = nil, nil, nil
		return
	}
	switch k {
	case kindStruct:
		o, _ := v.Object()
		o.Visit(func(key []byte, x *fastjson.Value) { t.child(string(key)).add(x, depth+1) })
	case kindList:
		if t.elem == nil {
			t.elem = &inferred{}
		}
		a, _ := v.Array()
		for _, x := range a {
			t.elem.add(x, depth+1)
		}
	}
}

// child returns the struct field named name, added when new.
func (t *inferred) child(name string) *inferred {
	if c, ok := t.byName[name]; ok {
		return c
	}
	if t.byName == nil {
		t.byName = map[string]*inferred{}
	}
	c := &inferred{}
	t.byName[name] = c
	t.fields = append(t.fields, &namedInferred{name: name, t: c})
	return c
}

// settle turns what cannot be a Parquet column into text: structs without
// fields, lists of nothing but nulls, fields only ever null.
func (t *inferred) settle() {
	switch t.kind {
	case kindNull:
		t.kind = kindText
	case kindStruct:
		if len(t.fields) == 0 {
			t.kind = kindText
		}
		for _, f := range t.fields {
			f.t.settle()
		}
	case kindList:
		t.elem.settle()
	}
}

// arrowType is the column type of t (settled).
func (t *inferred) arrowType() arrow.DataType {
	switch t.kind {
	case kindBool:
		return arrow.FixedWidthTypes.Boolean
	case kindInt:
		return arrow.PrimitiveTypes.Int64
	case kindFloat:
		return arrow.PrimitiveTypes.Float64
	case kindStruct:
		fs := make([]arrow.Field, len(t.fields))
		for i, f := range t.fields {
			fs[i] = arrow.Field{Name: f.name, Type: f.t.arrowType(), Nullable: true}
		}
		return arrow.StructOf(fs...)
	case kindList:
		return arrow.ListOfField(arrow.Field{Name: "element", Type: t.elem.arrowType(), Nullable: true})
	}
	return arrow.BinaryTypes.String
}
