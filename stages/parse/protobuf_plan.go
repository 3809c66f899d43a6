package parse

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/sluicehq/sluice/internal/timefmt"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// maxColumns bounds the fields (nested ones included) of a message's
// schema.
const maxColumns = 10_000

// maxNesting is the depth of nested message columns: messages deeper
// than this are JSON text (schema.Check takes 256 levels, Parquet readers
// fewer).
const maxNesting = 32

// timestampType is the Arrow type of google.protobuf.Timestamp fields:
// microseconds in UTC, what Parquet readers (Athena, Spark, Trino, DuckDB)
// all read as a timestamp with time zone.
var timestampType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

// pbPlan converts a decoded message to typed fields: one entry per field
// of the message, in their declared order, with the Arrow fields of the
// schema built alongside (buildPlan).
type pbPlan struct {
	fields []pbField
}

// pbField is how one field of a message is converted.
type pbField struct {
	fd       protoreflect.FieldDescriptor
	name     string
	nullable bool // a field with presence: absent when not set
	list     bool
	isMap    bool
	conv     pbConv // of the value, or of each element or map value
}

// pbConv converts one (singular) protobuf value to its Go value.
type pbConv func(v protoreflect.Value) (any, error)

// fieldError prefixes an error with the field's name: nested fields give
// "field a: field b: ...".
func fieldError(name string, err error) error { return fmt.Errorf("field %s: %w", name, err) }

// convert converts m.
func (p *pbPlan) convert(m protoreflect.Message) (map[string]any, error) {
	out := make(map[string]any, len(p.fields))
	for i := range p.fields {
		f := &p.fields[i]
		switch {
		case f.list:
			l := m.Get(f.fd).List()
			vs := make([]any, l.Len())
			for j := range vs {
				v, err := f.conv(l.Get(j))
				if err != nil {
					return nil, fieldError(f.name, err)
				}
				vs[j] = v
			}
			out[f.name] = vs
		case f.isMap:
			mp := m.Get(f.fd).Map()
			vs := make(map[string]any, mp.Len())
			var err error
			mp.Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
				var x any
				if x, err = f.conv(v); err != nil {
					return false
				}
				vs[mapKey(k)] = x
				return true
			})
			if err != nil {
				return nil, fieldError(f.name, err)
			}
			out[f.name] = vs
		default:
			if f.nullable && !m.Has(f.fd) {
				continue
			}
			v, err := f.conv(m.Get(f.fd))
			if err != nil {
				return nil, fieldError(f.name, err)
			}
			out[f.name] = v
		}
	}
	return out, nil
}

// message converts a message value.
func (p *pbPlan) message(v protoreflect.Value) (any, error) { return p.convert(v.Message()) }

// mapKey is a map key as text: strings as they are, integers in decimal,
// booleans as "true" and "false".
func mapKey(k protoreflect.MapKey) string {
	switch x := k.Interface().(type) {
	case string:
		return x
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case uint32:
		return strconv.FormatUint(uint64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	default:
		return k.String()
	}
}

// planBuilder builds the plan and Arrow fields of a message type.
type planBuilder struct {
	types *pbTypes
	path  []protoreflect.FullName // the message types being built, outermost first
	nodes int
}

// buildPlan returns the plan of md and the Arrow fields of its schema.
func buildPlan(md protoreflect.MessageDescriptor, types *pbTypes) (*pbPlan, []arrow.Field, error) {
	b := &planBuilder{types: types}
	return b.message(md)
}

// message builds the plan and fields of md.
func (b *planBuilder) message(md protoreflect.MessageDescriptor) (*pbPlan, []arrow.Field, error) {
	b.path = append(b.path, md.FullName())
	defer func() { b.path = b.path[:len(b.path)-1] }()
	fds := md.Fields()
	plan := &pbPlan{fields: make([]pbField, 0, fds.Len())}
	fields := make([]arrow.Field, 0, fds.Len())
	for i := range fds.Len() {
		fd := fds.Get(i)
		if b.nodes++; b.nodes > maxColumns {
			return nil, nil, fmt.Errorf("more than %d fields, nested ones included", maxColumns)
		}
		f := pbField{fd: fd, name: string(fd.Name())}
		var typ arrow.DataType
		var err error
		switch {
		case fd.IsMap():
			f.isMap = true
			var vt arrow.DataType
			if f.conv, vt, err = b.value(fd.MapValue()); err == nil {
				typ = arrow.MapOf(arrow.BinaryTypes.String, vt)
			}
		case fd.IsList():
			f.list = true
			var et arrow.DataType
			if f.conv, et, err = b.value(fd); err == nil {
				typ = arrow.ListOf(et)
			}
		default:
			f.nullable = fd.HasPresence() && fd.Cardinality() != protoreflect.Required
			f.conv, typ, err = b.value(fd)
		}
		if err != nil {
			return nil, nil, fieldError(f.name, err)
		}
		plan.fields = append(plan.fields, f)
		fields = append(fields, arrow.Field{Name: f.name, Type: typ, Nullable: f.nullable})
	}
	return plan, fields, nil
}

// value returns the conversion and Arrow type of one value of fd (an
// element, for a repeated field).
func (b *planBuilder) value(fd protoreflect.FieldDescriptor) (pbConv, arrow.DataType, error) {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return convBool, arrow.FixedWidthTypes.Boolean, nil
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return convInt, arrow.PrimitiveTypes.Int32, nil
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return convInt, arrow.PrimitiveTypes.Int64, nil
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return convUint, arrow.PrimitiveTypes.Uint32, nil
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return convUint, arrow.PrimitiveTypes.Uint64, nil
	case protoreflect.FloatKind:
		return convFloat, arrow.PrimitiveTypes.Float32, nil
	case protoreflect.DoubleKind:
		return convFloat, arrow.PrimitiveTypes.Float64, nil
	case protoreflect.StringKind:
		return convString, arrow.BinaryTypes.String, nil
	case protoreflect.BytesKind:
		return convBytes, arrow.BinaryTypes.Binary, nil
	case protoreflect.EnumKind:
		return enumConv(fd.Enum()), arrow.BinaryTypes.String, nil
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return b.messageValue(fd.Message())
	default:
		return nil, nil, fmt.Errorf("unsupported kind %v", fd.Kind())
	}
}

// messageValue returns the conversion and Arrow type of a message value:
// well-known types as their meaning (Timestamp, Duration, wrappers) or as
// JSON text (Struct, Value, ListValue, Any, FieldMask, Empty), a message
// type already being built (recursion), without fields, or nested deeper
// than maxNesting as JSON text, and any other as a struct.
func (b *planBuilder) messageValue(md protoreflect.MessageDescriptor) (pbConv, arrow.DataType, error) {
	switch md.FullName() {
	case "google.protobuf.Timestamp":
		return timestampConv(md), timestampType, nil
	case "google.protobuf.Duration":
		return durationConv(md), arrow.PrimitiveTypes.Int64, nil
	case "google.protobuf.DoubleValue", "google.protobuf.FloatValue", "google.protobuf.Int64Value",
		"google.protobuf.UInt64Value", "google.protobuf.Int32Value", "google.protobuf.UInt32Value",
		"google.protobuf.BoolValue", "google.protobuf.StringValue", "google.protobuf.BytesValue":
		inner := md.Fields().ByNumber(1)
		if inner == nil {
			break
		}
		conv, typ, err := b.value(inner)
		if err != nil {
			return nil, nil, err
		}
		return func(v protoreflect.Value) (any, error) { return conv(v.Message().Get(inner)) }, typ, nil
	case "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue",
		"google.protobuf.Any", "google.protobuf.FieldMask", "google.protobuf.Empty":
		return b.types.jsonText, arrow.BinaryTypes.String, nil
	}
	if slices.Contains(b.path, md.FullName()) || md.Fields().Len() == 0 || len(b.path) >= maxNesting {
		return b.types.jsonText, arrow.BinaryTypes.String, nil
	}
	plan, fields, err := b.message(md)
	if err != nil {
		return nil, nil, err
	}
	return plan.message, arrow.StructOf(fields...), nil
}

// emptyBytes is the value of an empty bytes field: never nil, which would
// read as null.
var emptyBytes = []byte{}

func convBool(v protoreflect.Value) (any, error)   { return v.Bool(), nil }
func convInt(v protoreflect.Value) (any, error)    { return v.Int(), nil }
func convUint(v protoreflect.Value) (any, error)   { return v.Uint(), nil }
func convFloat(v protoreflect.Value) (any, error)  { return v.Float(), nil }
func convString(v protoreflect.Value) (any, error) { return v.String(), nil }

func convBytes(v protoreflect.Value) (any, error) {
	if b := v.Bytes(); len(b) > 0 {
		return b, nil // unmarshalling copied it out of the record's value
	}
	return emptyBytes, nil
}

// enumConv converts an enum value to its name, or a number the enum does
// not declare to its decimal text.
func enumConv(ed protoreflect.EnumDescriptor) pbConv {
	values := ed.Values()
	return func(v protoreflect.Value) (any, error) {
		if ev := values.ByNumber(v.Enum()); ev != nil {
			return string(ev.Name()), nil
		}
		return strconv.FormatInt(int64(v.Enum()), 10), nil
	}
}

// wktFields returns the fields numbered 1 and 2 of a well-known type.
func wktFields(md protoreflect.MessageDescriptor) (protoreflect.FieldDescriptor, protoreflect.FieldDescriptor) {
	return md.Fields().ByNumber(1), md.Fields().ByNumber(2)
}

// errWKTShape is returned for a well-known type whose descriptor is not the
// standard one.
var errWKTShape = errors.New("well-known type with a non-standard descriptor")

// timestampConv converts a google.protobuf.Timestamp to a time.Time in
// UTC, rejecting the values the type's documentation rules out (outside the
// years 1 to 9999, nanos outside [0, 1e9)).
func timestampConv(md protoreflect.MessageDescriptor) pbConv {
	secs, nanos := wktFields(md)
	return func(v protoreflect.Value) (any, error) {
		if secs == nil || nanos == nil {
			return nil, errWKTShape
		}
		m := v.Message()
		s, n := m.Get(secs).Int(), m.Get(nanos).Int()
		if s < timefmt.MinUnix || s > timefmt.MaxUnix || n < 0 || n >= 1e9 {
			return nil, fmt.Errorf("timestamp of %d s %d ns out of range (years 1 to 9999)", s, n)
		}
		return time.Unix(s, n).UTC(), nil
	}
}

// durationConv converts a google.protobuf.Duration to int64 nanoseconds,
// rejecting durations beyond int64 nanoseconds (about 292 years) and
// seconds and nanos of different signs.
func durationConv(md protoreflect.MessageDescriptor) pbConv {
	secs, nanos := wktFields(md)
	return func(v protoreflect.Value) (any, error) {
		if secs == nil || nanos == nil {
			return nil, errWKTShape
		}
		m := v.Message()
		s, n := m.Get(secs).Int(), m.Get(nanos).Int()
		if s > math.MaxInt64/int64(1e9)-1 || s < math.MinInt64/int64(1e9)+1 || n <= -1e9 || n >= 1e9 ||
			s > 0 && n < 0 || s < 0 && n > 0 {
			return nil, fmt.Errorf("duration of %d s %d ns does not fit int64 nanoseconds", s, n)
		}
		return s*1e9 + n, nil
	}
}
