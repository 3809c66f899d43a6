package format

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/hamba/avro/v2"
)

// avroNamespace is the namespace of the record type of every file's rows
// ("sluice.Row") and of the named types nested in it.
const avroNamespace = "sluice"

// The Avro schema written to a file's header is built from the Arrow
// schema of its batches, deterministically (the same Arrow schema always
// gives the same JSON text):
//
//	Arrow                        Avro
//	bool                         boolean
//	int8, int16, int32, uint8, uint16   int
//	int64, uint32                long
//	uint64                       bytes, decimal(20, 0) (as Spark reads UINT_64)
//	float16, float32 / float64   float / double
//	string, large_string, string_view   string
//	binary, large_binary, binary_view   bytes
//	fixed_size_binary(n)         fixed, size n
//	decimal32..256(p, s)         bytes, decimal(p, s)
//	date32, date64               int, date
//	time32(s, ms) / time64(us)   int time-millis / long time-micros
//	time64(ns)                   long (nanoseconds since midnight)
//	timestamp(s, ms) with a zone long timestamp-millis (seconds scaled)
//	timestamp(us / ns) with a zone   long timestamp-micros / timestamp-nanos
//	timestamp without a zone     the same with local-timestamp-*
//	struct                       record
//	list, large_list, fixed_size_list, list_view   array
//	map<string-like, V>          map
//	map<other K, V>              array of record {key, value}
//	dictionary<K, V>             V's type
//	null                         null
//
// A nullable field's type is ["null", T] with default null; nullable list
// items and map values are ["null", T]. timestamp-nanos is Avro 1.12's:
// older readers see a long of nanoseconds. Other Arrow types (intervals,
// durations, unions) make Encode fail with ErrUnsupported.
//
// Names: a field keeps its Arrow name when it is a valid Avro name
// ([A-Za-z_][A-Za-z0-9_]*) not taken by an earlier field. Otherwise every
// character outside [A-Za-z0-9_] becomes '_', a name that starts with a
// digit (or is empty) gets a leading '_', and while the result is taken by
// a kept name or an earlier renamed field, "_2", "_3", ... is appended;
// the renamed field carries its Arrow name in a "sluice.name" property. The
// rows are record "sluice.Row"; a nested record or fixed is named by its
// field path: "sluice.<path>.Record" or "sluice.<path>.Fixed", where the
// path holds the Avro field names, "item" for a list's items and "value"
// for a map's values (sluice.headers.item.Record for the header structs).
// Names are unique because paths are.

// avroRecord, avroField, ... are Avro schema JSON, in a fixed key order.
type (
	avroRecord struct {
		Type   string      `json:"type"`
		Name   string      `json:"name"`
		Fields []avroField `json:"fields"`
	}
	avroField struct {
		Name    string          `json:"name"`
		Type    any             `json:"type"`
		Default json.RawMessage `json:"default,omitempty"`
		Arrow   string          `json:"sluice.name,omitempty"`
	}
	avroArray struct {
		Type  string `json:"type"`
		Items any    `json:"items"`
	}
	avroMap struct {
		Type   string `json:"type"`
		Values any    `json:"values"`
	}
	avroFixed struct {
		Type string `json:"type"`
		Name string `json:"name"`
		Size int    `json:"size"`
	}
	avroLogical struct {
		Type        string `json:"type"`
		LogicalType string `json:"logicalType"`
		Precision   int    `json:"precision,omitempty"`
		Scale       int    `json:"scale,omitempty"`
	}
)

// avroSchemaJSON returns the Avro schema of rows of s, checked by parsing it.
func avroSchemaJSON(s *arrow.Schema) ([]byte, error) {
	rec, err := avroRecordOf(avroNamespace+".Row", nil, s.Fields())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	text, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("writing avro schema: %w", err)
	}
	// A private cache: the global one would keep every name ever parsed.
	if _, err := avro.ParseBytesWithCache(text, "", &avro.SchemaCache{}); err != nil {
		return nil, fmt.Errorf("%w: the avro schema of %s does not parse: %w", ErrUnsupported, s, err)
	}
	return text, nil
}

// avroRecordOf is the record of fields, named name; path is its place.
func avroRecordOf(name string, path []string, fields []arrow.Field) (avroRecord, error) {
	names := avroNames(fields)
	rec := avroRecord{Type: "record", Name: name, Fields: make([]avroField, len(fields))}
	for i, f := range fields {
		t, err := avroTypeOf(append(path[:len(path):len(path)], names[i]), f.Type, f.Nullable)
		if err != nil {
			return avroRecord{}, err
		}
		af := avroField{Name: names[i], Type: t}
		if isUnion(t) {
			af.Default = json.RawMessage("null")
		}
		if names[i] != f.Name {
			af.Arrow = f.Name
		}
		rec.Fields[i] = af
	}
	return rec, nil
}

// isUnion reports whether t is a ["null", T] union.
func isUnion(t any) bool { _, ok := t.([]any); return ok }

// avroTypeOf is the Avro type of values of dt at path, nullable or not.
func avroTypeOf(path []string, dt arrow.DataType, nullable bool) (any, error) {
	t, err := avroBaseType(path, dt)
	if err != nil {
		return nil, err
	}
	if nullable && t != "null" {
		return []any{"null", t}, nil
	}
	return t, nil
}

// avroBaseType is the Avro type of the non-null values of dt.
func avroBaseType(path []string, dt arrow.DataType) (any, error) {
	named := func(kind string) string {
		return avroNamespace + "." + strings.Join(path, ".") + "." + kind
	}
	switch dt := dt.(type) {
	case *arrow.NullType:
		return "null", nil
	case *arrow.BooleanType:
		return "boolean", nil
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Uint8Type, *arrow.Uint16Type:
		return "int", nil
	case *arrow.Int64Type, *arrow.Uint32Type:
		return "long", nil
	case *arrow.Uint64Type:
		return avroLogical{Type: "bytes", LogicalType: "decimal", Precision: 20}, nil
	case *arrow.Float16Type, *arrow.Float32Type:
		return "float", nil
	case *arrow.Float64Type:
		return "double", nil
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		return "string", nil
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.BinaryViewType:
		return "bytes", nil
	case *arrow.FixedSizeBinaryType:
		return avroFixed{Type: "fixed", Name: named("Fixed"), Size: dt.ByteWidth}, nil
	case arrow.DecimalType:
		p, s := int(dt.GetPrecision()), int(dt.GetScale())
		if p < 1 || s < 0 || s > p {
			return nil, fmt.Errorf("column %s: %s: Avro decimals need 0 <= scale <= precision", strings.Join(path, "."), dt)
		}
		return avroLogical{Type: "bytes", LogicalType: "decimal", Precision: p, Scale: s}, nil
	case *arrow.Date32Type, *arrow.Date64Type:
		return avroLogical{Type: "int", LogicalType: "date"}, nil
	case *arrow.Time32Type:
		return avroLogical{Type: "int", LogicalType: "time-millis"}, nil
	case *arrow.Time64Type:
		if dt.Unit == arrow.Nanosecond {
			return "long", nil
		}
		return avroLogical{Type: "long", LogicalType: "time-micros"}, nil
	case *arrow.TimestampType:
		return avroLogical{Type: "long", LogicalType: timestampLogical(dt)}, nil
	case *arrow.StructType:
		return avroRecordOf(named("Record"), path, dt.Fields())
	case *arrow.MapType:
		if !stringLike(dt.KeyType()) {
			return avroListType(path, dt.ElemField())
		}
		items := dt.ItemField()
		v, err := avroTypeOf(append(path[:len(path):len(path)], "value"), items.Type, items.Nullable)
		if err != nil {
			return nil, err
		}
		return avroMap{Type: "map", Values: v}, nil
	case arrow.ListLikeType:
		return avroListType(path, dt.ElemField())
	case *arrow.DictionaryType:
		return avroBaseType(path, dt.ValueType)
	}
	return nil, fmt.Errorf("column %s: Arrow type %s has no Avro mapping", strings.Join(path, "."), dt)
}

// avroListType is an array of elem's values.
func avroListType(path []string, elem arrow.Field) (any, error) {
	items, err := avroTypeOf(append(path[:len(path):len(path)], "item"), elem.Type, elem.Nullable)
	if err != nil {
		return nil, err
	}
	return avroArray{Type: "array", Items: items}, nil
}

// timestampLogical is the Avro logical type of timestamps of dt.
func timestampLogical(dt *arrow.TimestampType) string {
	unit := "millis"
	switch dt.Unit {
	case arrow.Microsecond:
		unit = "micros"
	case arrow.Nanosecond:
		unit = "nanos"
	}
	if dt.TimeZone == "" {
		return "local-timestamp-" + unit
	}
	return "timestamp-" + unit
}

// stringLike reports whether values of dt are written as Avro strings.
func stringLike(dt arrow.DataType) bool {
	if d, ok := dt.(*arrow.DictionaryType); ok {
		dt = d.ValueType
	}
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return true
	}
	return false
}

// avroNames maps field names to distinct valid Avro names (see above).
func avroNames(fields []arrow.Field) []string {
	names := make([]string, len(fields))
	taken := make(map[string]bool, len(fields))
	for i, f := range fields {
		if validAvroName(f.Name) && !taken[f.Name] {
			names[i] = f.Name
			taken[f.Name] = true
		}
	}
	for i, f := range fields {
		if names[i] != "" {
			continue
		}
		base := sanitizeAvroName(f.Name)
		name := base
		for k := 2; taken[name]; k++ {
			name = base + "_" + strconv.Itoa(k)
		}
		names[i] = name
		taken[name] = true
	}
	return names
}

// validAvroName reports whether s matches [A-Za-z_][A-Za-z0-9_]*.
func validAvroName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := range len(s) {
		if !nameChar(s[i]) {
			return false
		}
	}
	return true
}

func nameChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// sanitizeAvroName replaces each character outside [A-Za-z0-9_] with '_'
// and prefixes '_' to a name that is empty or starts with a digit.
func sanitizeAvroName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && nameChar(byte(r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	out := b.String()
	if out == "" || out[0] >= '0' && out[0] <= '9' {
		out = "_" + out
	}
	return out
}
