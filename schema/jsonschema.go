package schema

import (
	"fmt"
	"strings"

	"github.com/valyala/fastjson"
)

// FromJSONSchema reads a JSON Schema document (draft 4 to 2020-12, as the
// Schema Registry keeps them) describing a JSON object into the declared
// fields that type its records, in the order the document lists them:
//
//	"integer"                        int64
//	"number"                         float64
//	"boolean"                        bool
//	"string"                         string ("format": "date-time" a
//	                                 timestamp in microseconds, "date" a date)
//	"object" with "properties"       struct of them
//	"object" with only "additionalProperties": {schema}   map of it
//	"array" with "items": {schema}   list of it
//	["T", "null"], or not "required" nullable T
//	"enum" of strings, "const"       string
//	local "$ref" ("#/definitions/x", "#/$defs/x")  what it points to
//
// Anything else (anyOf, oneOf, allOf, a type list of several non-null
// types, an object without properties, recursion through $ref) is kept as
// its JSON text in a string column (type json): nothing is refused or lost.
// The top level must be an object with properties.
func FromJSONSchema(doc []byte) (Config, error) {
	var p fastjson.Parser
	root, err := p.ParseBytes(doc)
	if err != nil {
		return Config{}, fmt.Errorf("reading JSON Schema: %w", err)
	}
	r := jsonSchemaReader{root: root, seen: map[string]bool{}}
	top := r.resolve(root)
	if top == nil || top.Get("properties") == nil || top.Get("properties").Type() != fastjson.TypeObject {
		return Config{}, fmt.Errorf("reading JSON Schema: the top level is not an object with properties")
	}
	fields, err := r.properties(top)
	if err != nil {
		return Config{}, err
	}
	if r.nodes > maxSchemaNodes {
		return Config{}, fmt.Errorf("reading JSON Schema: it expands to more than %d fields", maxSchemaNodes)
	}
	if len(fields) == 0 {
		return Config{}, fmt.Errorf("reading JSON Schema: the object has no properties")
	}
	return Config{Mode: ModeDeclared, Fields: fields}, nil
}

// jsonSchemaReader walks one document, resolving its local references.
type jsonSchemaReader struct {
	root *fastjson.Value
	seen map[string]bool // references being resolved (recursion)
	// nodes counts the fields read: a definition referenced twice by each
	// of its neighbours doubles at every level.
	nodes int
}

// maxSchemaNodes bounds the fields one document expands to.
const maxSchemaNodes = 100_000

// resolve follows a local $ref; nil for one it cannot follow.
func (r *jsonSchemaReader) resolve(v *fastjson.Value) *fastjson.Value {
	ref := v.GetStringBytes("$ref")
	if ref == nil {
		return v
	}
	path, ok := strings.CutPrefix(string(ref), "#/")
	if !ok || r.seen[path] {
		return nil
	}
	return r.root.Get(strings.Split(path, "/")...)
}

func (r *jsonSchemaReader) properties(obj *fastjson.Value) ([]Field, error) {
	required := map[string]bool{}
	for _, x := range obj.GetArray("required") {
		if s, err := x.StringBytes(); err == nil {
			required[string(s)] = true
		}
	}
	props, _ := obj.Get("properties").Object()
	var (
		fields []Field
		err    error
	)
	props.Visit(func(k []byte, v *fastjson.Value) {
		if err != nil {
			return
		}
		name := string(k)
		if !validName(name) {
			err = fmt.Errorf("reading JSON Schema: property %q is not a column name (letters, digits and _)", name)
			return
		}
		f := r.field(v, 0)
		f.Name = name
		if required[name] && f.Nullable == nil {
			no := false
			f.Nullable = &no
		}
		fields = append(fields, f)
	})
	return fields, err
}

// maxSchemaDepth bounds the nesting read as columns; deeper is JSON text.
const maxSchemaDepth = 32

// field reads one property's schema.
func (r *jsonSchemaReader) field(v *fastjson.Value, depth int) Field {
	text := Field{Type: "json"}
	if r.nodes++; r.nodes > maxSchemaNodes {
		return text // FromJSONSchema refuses the document
	}
	if ref := v.GetStringBytes("$ref"); ref != nil {
		path := strings.TrimPrefix(string(ref), "#/")
		target := r.resolve(v)
		if target == nil || depth > maxSchemaDepth {
			return text
		}
		r.seen[path] = true
		defer delete(r.seen, path)
		v = target
	}
	typ, nullable := schemaType(v)
	f := Field{}
	if nullable {
		yes := true
		f.Nullable = &yes
	}
	switch typ {
	case "integer":
		f.Type = "int64"
	case "number":
		f.Type = "float64"
	case "boolean":
		f.Type = "bool"
	case "string":
		f.Type = "string"
		switch string(v.GetStringBytes("format")) {
		case "date-time":
			f.Type, f.Format = "timestamp", "rfc3339"
		case "date":
			f.Type = "date"
		}
	case "object":
		return r.object(v, f, depth)
	case "array":
		items := v.Get("items")
		if items == nil || items.Type() != fastjson.TypeObject || depth > maxSchemaDepth {
			return text
		}
		it := r.field(items, depth+1)
		it.Nullable = nil // list items may be null
		f.Type, f.Items = "list", &it
	default:
		return text
	}
	return f
}

func (r *jsonSchemaReader) object(v *fastjson.Value, f Field, depth int) Field {
	if depth > maxSchemaDepth {
		return Field{Type: "json"}
	}
	if props := v.Get("properties"); props != nil && props.Type() == fastjson.TypeObject {
		children, err := r.properties(v)
		if err != nil || len(children) == 0 {
			return Field{Type: "json"}
		}
		f.Type, f.Fields = "struct", children
		return f
	}
	if ap := v.Get("additionalProperties"); ap != nil && ap.Type() == fastjson.TypeObject {
		val := r.field(ap, depth+1)
		val.Nullable = nil
		f.Type, f.Values = "map", &val
		return f
	}
	return Field{Type: "json"}
}

// schemaType is v's one non-null type ("" for none or several) and
// whether null is allowed too.
func schemaType(v *fastjson.Value) (string, bool) {
	if v.Get("enum") != nil || v.Get("const") != nil {
		return "string", false
	}
	t := v.Get("type")
	if t == nil {
		return "", false
	}
	if s, err := t.StringBytes(); err == nil {
		return string(s), false
	}
	var (
		one      string
		nullable bool
	)
	for _, x := range t.GetArray() {
		s, _ := x.StringBytes()
		switch {
		case string(s) == "null":
			nullable = true
		case one != "":
			return "", false
		default:
			one = string(s)
		}
	}
	return one, nullable
}
