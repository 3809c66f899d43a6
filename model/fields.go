package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/valyala/fastjson"
)

// ErrNotObject is returned by Fields for a value that is not a JSON object
// (a tombstone, a JSON array or scalar, bytes that are not JSON).
var ErrNotObject = errors.New("value is not a JSON object")

// Fields returns the record's value decoded into fields. Without a schema
// the value is read as a JSON object: objects become map[string]any, arrays
// []any, numbers json.Number (so that re-encoding keeps them exactly),
// strings, bools and nil. It decodes once; later calls return the same map,
// which a stage may read. To change it, use SetField and DeleteField (or
// SetFields), so that the record knows its value must be re-encoded.
func (r *Record) Fields() (map[string]any, error) {
	if r.fields != nil {
		return r.fields, nil
	}
	if r.Value == nil {
		return nil, fmt.Errorf("%w: a tombstone has no value", ErrNotObject)
	}
	p := parsers.Get()
	defer parsers.Put(p)
	v, err := p.ParseBytes(r.Value)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotObject, err)
	}
	if v.Type() != fastjson.TypeObject {
		return nil, fmt.Errorf("%w: a JSON %s", ErrNotObject, v.Type())
	}
	m := toAny(v).(map[string]any)
	r.fields = m
	return m, nil
}

// parsers parse values for Fields: fastjson, about three times as fast as
// encoding/json into maps, and already what the json parser reads event
// times with.
var parsers fastjson.ParserPool

// toAny copies a parsed JSON value into Go values: objects as
// map[string]any (a repeated key keeps its last value, like encoding/json),
// arrays as []any, numbers as json.Number with their exact text.
func toAny(v *fastjson.Value) any {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		m := make(map[string]any, o.Len())
		o.Visit(func(k []byte, x *fastjson.Value) { m[string(k)] = toAny(x) })
		return m
	case fastjson.TypeArray:
		a, _ := v.Array()
		out := make([]any, len(a))
		for i, x := range a {
			out[i] = toAny(x)
		}
		return out
	case fastjson.TypeString:
		s, _ := v.StringBytes()
		return string(s)
	case fastjson.TypeNumber:
		return json.Number(v.String())
	case fastjson.TypeTrue:
		return true
	case fastjson.TypeFalse:
		return false
	default:
		return nil
	}
}

// Field returns the value at path, a dot-separated list of keys into nested
// objects ("user.email"), and whether it is there. A value that is not a
// JSON object has no fields.
func (r *Record) Field(path string) (any, bool) {
	m, err := r.Fields()
	if err != nil {
		return nil, false
	}
	return Lookup(m, strings.Split(path, "."))
}

// Lookup returns the value at keys (a path split at its dots) in fields,
// through nested objects, and whether it is there. Callers that look the
// same path up in every record split it once.
func Lookup(fields map[string]any, keys []string) (any, bool) {
	for _, k := range keys[:len(keys)-1] {
		next, ok := fields[k].(map[string]any)
		if !ok {
			return nil, false
		}
		fields = next
	}
	v, ok := fields[keys[len(keys)-1]]
	return v, ok
}

// SetField sets the value at path, creating the objects on the way that
// are missing. It fails when the value is not a JSON object or a key on the
// way holds something other than an object.
func (r *Record) SetField(path string, v any) error {
	m, err := r.Fields()
	if err != nil {
		return err
	}
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		switch next := m[k].(type) {
		case map[string]any:
			m = next
		case nil:
			child := map[string]any{}
			m[k] = child
			m = child
		default:
			return fmt.Errorf("setting %q: %q holds a %T, not an object", path, k, next)
		}
	}
	m[keys[len(keys)-1]] = v
	r.changed, r.touched = true, true
	return nil
}

// DeleteField removes the value at path and reports whether it was there.
func (r *Record) DeleteField(path string) bool {
	m, err := r.Fields()
	if err != nil {
		return false
	}
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			return false
		}
		m = next
	}
	k := keys[len(keys)-1]
	if _, ok := m[k]; !ok {
		return false
	}
	delete(m, k)
	r.changed, r.touched = true, true
	return true
}

// SetFields replaces the record's fields with m (which the record now
// owns).
func (r *Record) SetFields(m map[string]any) {
	r.fields, r.changed, r.touched = m, true, true
}

// SetDecoded sets the fields a parser read from Value (which the record
// now owns) without marking them changed: Value stays the bytes they were
// read from and is archived as it is (a text parser's log line stays a log
// line), while the stages after the parser read the fields by name. Should
// a stage change them (SetField, DeleteField, SetFields), Value is
// re-encoded from them as JSON (Sync), as for any changed record.
func (r *Record) SetDecoded(m map[string]any) {
	r.fields, r.changed = m, false
}

// Touched reports whether a stage changed the record's fields (SetField,
// DeleteField, SetFields) since they were decoded (SetTyped), even if the
// value was encoded again since.
func (r *Record) Touched() bool { return r.touched }

// Changed reports whether a stage changed the record's fields since the
// value was last encoded.
func (r *Record) Changed() bool { return r.changed }

// Sync re-encodes the value from the fields when a stage changed them: a
// JSON object with its keys sorted and no HTML escaping, so that the same
// fields always give the same bytes. It does nothing otherwise. For a typed
// record (Schema set) the files take the fields, not Value; Value then holds
// the changed fields as JSON, so that the raw value a topic may archive
// beside them never keeps what a stage removed.
func (r *Record) Sync() error {
	if !r.changed {
		return nil
	}
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	if err := e.Encode(r.fields); err != nil {
		return fmt.Errorf("encoding the fields of %s/%d@%d: %w", r.Topic, r.Partition, r.Offset, err)
	}
	r.Value = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	r.changed = false
	return nil
}
