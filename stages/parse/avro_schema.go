package parse

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/hamba/avro/v2"

	"github.com/sluicehq/sluice/model"
)

// avroKind is what an avroNode reads.
type avroKind uint8

const (
	avroNull avroKind = iota
	avroBool
	avroInt
	avroLong
	avroFloat
	avroDouble
	avroString
	avroBytes
	avroFixed
	avroDecimalBytes
	avroDecimalFixed
	avroDate
	avroTimeMillis
	avroTimeMicros
	avroTimestampMillis
	avroTimestampMicros
	avroEnum
	avroRecord
	avroArray
	avroMap
	avroBranch // a union of at most one type besides null: the branch's value
	avroUnion  // any other union: a struct of one member per branch
)

// avroNode reads one Avro type into the Go value of its Arrow type. A
// schema is compiled into a tree of them once; decoding walks it.
type avroNode struct {
	kind avroKind
	// names are a record's field names or a union's member names (nil
	// for null branches); symbols an enum's symbols.
	names, symbols []string
	// children are a record's fields, a union's branches (nil for null),
	// an array's items or a map's values (one).
	children []*avroNode
	// size is a fixed's size; scale a decimal's scale as 10^scale.
	size  int
	scale *big.Int
}

// avroSchema is a compiled Avro schema: its model.Schema, shared by every
// record decoded with it, and the tree that decodes its values.
type avroSchema struct {
	model *model.Schema
	root  *avroNode
	// wrapped: the schema is not a record, and its value is the one field
	// "value".
	wrapped bool
}

// errRecursive is returned for a schema whose type refers to itself: Arrow
// columns cannot nest without end.
var errRecursive = errors.New("recursive types have no column type")

// compileAvro compiles a parsed Avro schema into the model.Schema of id.
func compileAvro(id string, s avro.Schema) (*avroSchema, error) {
	c := &compiler{inProgress: map[string]bool{}}
	root, typ, nullable, err := c.node(s)
	if err != nil {
		return nil, err
	}
	out := &avroSchema{root: root, model: &model.Schema{ID: id, Avro: s.String(), Conforming: true}} // FuzzAvroDecode checks it
	if root.kind == avroRecord {
		out.model.Fields = typ.(*arrow.StructType).Fields()
	} else {
		out.wrapped = true
		out.model.Fields = []arrow.Field{{Name: "value", Type: typ, Nullable: nullable}}
	}
	return out, nil
}

// fileSchemaID is the schema ID of a schema read from a file: its content's
// hash, so that every process names it alike.
func fileSchemaID(text []byte) string {
	sum := sha256.Sum256(text)
	return "avro:file:" + hex.EncodeToString(sum[:6])
}

// compiler compiles one schema.
type compiler struct {
	// inProgress holds the named types being compiled, to catch recursion.
	inProgress map[string]bool
	// nodes counts the nodes compiled: a named type is compiled at each
	// use, so a schema whose types each use the one before twice doubles
	// at every level.
	nodes int
}

// maxAvroNodes bounds the nodes of one compiled schema (columns, nested
// ones included), far beyond any table's, so that a schema served by a
// registry cannot make the compiler run for ever.
const maxAvroNodes = 100_000

// errTooLarge is returned for a schema of more than maxAvroNodes nodes.
var errTooLarge = errors.New("the schema expands to more than 100,000 columns and nested fields")

// node compiles s into its node, Arrow type and nullability.
func (c *compiler) node(s avro.Schema) (*avroNode, arrow.DataType, bool, error) {
	if c.nodes++; c.nodes > maxAvroNodes {
		return nil, nil, false, errTooLarge
	}
	if ref, ok := s.(*avro.RefSchema); ok {
		s = ref.Schema()
	}
	var logical avro.LogicalType
	if ls, ok := s.(avro.LogicalTypeSchema); ok && ls.Logical() != nil {
		logical = ls.Logical().Type()
	}
	switch s.Type() {
	case avro.Null:
		return &avroNode{kind: avroNull}, arrow.Null, true, nil
	case avro.Boolean:
		return &avroNode{kind: avroBool}, arrow.FixedWidthTypes.Boolean, false, nil
	case avro.Int:
		switch logical {
		case avro.Date:
			return &avroNode{kind: avroDate}, arrow.FixedWidthTypes.Date32, false, nil
		case avro.TimeMillis:
			return &avroNode{kind: avroTimeMillis}, arrow.FixedWidthTypes.Time32ms, false, nil
		}
		return &avroNode{kind: avroInt}, arrow.PrimitiveTypes.Int32, false, nil
	case avro.Long:
		switch logical {
		case avro.TimeMicros:
			return &avroNode{kind: avroTimeMicros}, arrow.FixedWidthTypes.Time64us, false, nil
		case avro.TimestampMillis:
			return &avroNode{kind: avroTimestampMillis}, &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, false, nil
		case avro.TimestampMicros:
			return &avroNode{kind: avroTimestampMicros}, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, false, nil
		case avro.LocalTimestampMillis:
			return &avroNode{kind: avroTimestampMillis}, &arrow.TimestampType{Unit: arrow.Millisecond}, false, nil
		case avro.LocalTimestampMicros:
			return &avroNode{kind: avroTimestampMicros}, &arrow.TimestampType{Unit: arrow.Microsecond}, false, nil
		}
		return &avroNode{kind: avroLong}, arrow.PrimitiveTypes.Int64, false, nil
	case avro.Float:
		return &avroNode{kind: avroFloat}, arrow.PrimitiveTypes.Float32, false, nil
	case avro.Double:
		return &avroNode{kind: avroDouble}, arrow.PrimitiveTypes.Float64, false, nil
	case avro.String:
		return &avroNode{kind: avroString}, arrow.BinaryTypes.String, false, nil
	case avro.Bytes:
		if logical == avro.Decimal {
			return decimalNode(avroDecimalBytes, 0, s.(avro.LogicalTypeSchema).Logical())
		}
		return &avroNode{kind: avroBytes}, arrow.BinaryTypes.Binary, false, nil
	case avro.Fixed:
		f := s.(*avro.FixedSchema)
		if logical == avro.Decimal {
			return decimalNode(avroDecimalFixed, f.Size(), f.Logical())
		}
		return &avroNode{kind: avroFixed, size: f.Size()},
			&arrow.FixedSizeBinaryType{ByteWidth: f.Size()}, false, nil
	case avro.Enum:
		return &avroNode{kind: avroEnum, symbols: s.(*avro.EnumSchema).Symbols()}, arrow.BinaryTypes.String, false, nil
	case avro.Array:
		item, typ, nullable, err := c.node(s.(*avro.ArraySchema).Items())
		if err != nil {
			return nil, nil, false, err
		}
		return &avroNode{kind: avroArray, children: []*avroNode{item}},
			arrow.ListOfField(arrow.Field{Name: "item", Type: typ, Nullable: nullable}), false, nil
	case avro.Map:
		val, typ, nullable, err := c.node(s.(*avro.MapSchema).Values())
		if err != nil {
			return nil, nil, false, err
		}
		mt := arrow.MapOf(arrow.BinaryTypes.String, typ)
		mt.SetItemNullable(nullable)
		return &avroNode{kind: avroMap, children: []*avroNode{val}}, mt, false, nil
	case avro.Record:
		return c.record(s.(*avro.RecordSchema))
	case avro.Union:
		return c.union(s.(*avro.UnionSchema))
	}
	return nil, nil, false, fmt.Errorf("avro type %q has no column type", s.Type())
}

// decimalNode compiles a decimal of bytes or of a fixed of size bytes.
func decimalNode(kind avroKind, size int, ls avro.LogicalSchema) (*avroNode, arrow.DataType, bool, error) {
	d := ls.(*avro.DecimalLogicalSchema)
	p, sc := d.Precision(), d.Scale()
	n := &avroNode{kind: kind, size: size, scale: new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(sc)), nil)}
	switch {
	case p < 1 || sc < 0 || sc > p:
		return nil, nil, false, fmt.Errorf("decimal(%d, %d) is not a decimal type", p, sc)
	case p <= 38:
		return n, &arrow.Decimal128Type{Precision: int32(p), Scale: int32(sc)}, false, nil
	case p <= 76:
		return n, &arrow.Decimal256Type{Precision: int32(p), Scale: int32(sc)}, false, nil
	}
	return nil, nil, false, fmt.Errorf("decimal precision %d exceeds 76 digits, the widest decimal column", p)
}

// record compiles a record into a struct.
func (c *compiler) record(r *avro.RecordSchema) (*avroNode, arrow.DataType, bool, error) {
	name := r.FullName()
	if c.inProgress[name] {
		return nil, nil, false, fmt.Errorf("record %s: %w", name, errRecursive)
	}
	c.inProgress[name] = true
	defer delete(c.inProgress, name)
	n := &avroNode{kind: avroRecord}
	fields := make([]arrow.Field, 0, len(r.Fields()))
	for _, f := range r.Fields() {
		child, typ, nullable, err := c.node(f.Type())
		if err != nil {
			return nil, nil, false, fmt.Errorf("field %s.%s: %w", name, f.Name(), err)
		}
		n.names = append(n.names, f.Name())
		n.children = append(n.children, child)
		fields = append(fields, arrow.Field{Name: f.Name(), Type: typ, Nullable: nullable})
	}
	return n, arrow.StructOf(fields...), false, nil
}

// union compiles a union: null and one type is that type, nullable; one
// type alone is that type; any other is a struct with a nullable member
// per non-null branch, named by the branch's type (see doc.go).
func (c *compiler) union(u *avro.UnionSchema) (*avroNode, arrow.DataType, bool, error) {
	types := u.Types()
	n := &avroNode{kind: avroUnion}
	var fields []arrow.Field
	nullable := false
	for i, t := range types {
		if t.Type() == avro.Null {
			nullable = true
			n.names = append(n.names, "")
			n.children = append(n.children, nil)
			continue
		}
		child, typ, _, err := c.node(t) // a branch is never itself a union
		if err != nil {
			return nil, nil, false, err
		}
		n.names = append(n.names, unionMemberName(t))
		n.children = append(n.children, child)
		fields = append(fields, arrow.Field{Name: n.names[i], Type: typ, Nullable: true})
	}
	switch len(fields) {
	case 0: // ["null"]
		n.kind = avroBranch
		return n, arrow.Null, true, nil
	case 1: // ["null", T], [T, "null"], [T]
		n.kind = avroBranch
		return n, fields[0].Type, nullable, nil
	}
	if dup := duplicateName(fields); dup != "" {
		return nil, nil, false, fmt.Errorf("union has two branches named %q", dup)
	}
	return n, arrow.StructOf(fields...), nullable, nil
}

// unionMemberName names a union branch's struct member: a named type's
// short name, else the type's name ("string", "long", "array", "map").
func unionMemberName(s avro.Schema) string {
	if ref, ok := s.(*avro.RefSchema); ok {
		s = ref.Schema()
	}
	if named, ok := s.(avro.NamedSchema); ok {
		return named.Name()
	}
	return string(s.Type())
}

// duplicateName returns a name two fields share, or "".
func duplicateName(fields []arrow.Field) string {
	seen := make(map[string]bool, len(fields))
	for _, f := range fields {
		if seen[f.Name] {
			return f.Name
		}
		seen[f.Name] = true
	}
	return ""
}

// parseAvroSchema parses Avro schema text, after the named types it refers
// to (refs, in order), in a cache of its own: two versions of a record
// never see each other's definitions.
func parseAvroSchema(text string, refs ...string) (_ avro.Schema, err error) {
	defer func() {
		if p := recover(); p != nil { // schema text is input too: never a crash
			err = fmt.Errorf("parsing the schema: %v", p)
		}
	}()
	cache := &avro.SchemaCache{}
	for _, r := range refs {
		if _, err := avro.ParseWithCache(r, "", cache); err != nil {
			return nil, fmt.Errorf("parsing a referenced schema: %w", err)
		}
	}
	s, err := avro.ParseWithCache(text, "", cache)
	if err != nil {
		return nil, fmt.Errorf("parsing the schema: %w", err)
	}
	return s, nil
}
