package parse

import (
	"errors"
	"fmt"
	"time"

	"github.com/valyala/fastjson"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/schema"
)

// declaredDecoder types the records of a JSON or text topic by its declared
// schema: the JSON value itself, or the fields a text parser (a Decoder
// that sets untyped fields) read from it. Its event times are its parser's.
type declaredDecoder struct {
	Parser
	// fields is the parser when it decodes fields itself; nil means the
	// value is JSON.
	fields Decoder
	d      *schema.Declared
}

// Decode implements Decoder.
func (t declaredDecoder) Decode(rec *model.Record) error {
	if rec.Value == nil {
		return nil // a tombstone stays untyped
	}
	var (
		typed map[string]any
		err   error
	)
	if t.fields != nil {
		if err := t.fields.Decode(rec); err != nil {
			return err
		}
		if rec.Schema != nil {
			return fmt.Errorf("a declared schema types json and text records; this parser decoded schema %s", rec.Schema.ID)
		}
		m, ferr := rec.Fields()
		if ferr != nil {
			return fmt.Errorf("decoding with the declared schema: %w", ferr)
		}
		typed, err = t.d.FromFields(m)
	} else {
		typed, err = t.d.FromJSON(rec.Value)
	}
	if err != nil {
		return fmt.Errorf("decoding with the declared schema: %w", err)
	}
	rec.SetTyped(t.d.Schema(), typed)
	return nil
}

// errNotObject is the rejection of a value "schema: infer" cannot type.
var errNotObject = errors.New("schema infer: the value is not a JSON object")

// inferDecoder admits the records of a "schema: infer" topic: JSON objects
// (the files' columns are inferred from them when they are encoded); any
// other value is rejected. Its event times are its parser's.
type inferDecoder struct {
	Parser
	fields Decoder
}

// Decode implements Decoder.
func (t inferDecoder) Decode(rec *model.Record) error {
	if rec.Value == nil {
		return nil
	}
	if t.fields != nil {
		if err := t.fields.Decode(rec); err != nil {
			return err
		}
		m, err := rec.Fields()
		if err != nil {
			return fmt.Errorf("%w: %w", errNotObject, err)
		}
		// A text parser's fields become the JSON value the files infer
		// their columns from.
		rec.SetFields(m)
		return rec.Sync()
	}
	v := rec.Value
	i := 0
	for i < len(v) && (v[i] == ' ' || v[i] == '\t' || v[i] == '\n' || v[i] == '\r') {
		i++
	}
	if i == len(v) || v[i] != '{' || fastjson.ValidateBytes(v) != nil {
		return errNotObject
	}
	return nil
}

// withSchema wraps p for a topic's schema section: a declared schema
// types every record, "infer" admits JSON objects only.
func withSchema(p Parser, set Settings) Parser {
	fields, _ := p.(Decoder)
	switch {
	case set.Schema != nil:
		return declaredDecoder{Parser: p, fields: fields, d: set.Schema}
	case set.Infer:
		return inferDecoder{Parser: p, fields: fields}
	}
	return p
}

// typedTime reads the event time from a typed record's declared timestamp
// field, which the declared schema read from the same JSON field in the
// same format as the json parser would: the value is not parsed twice.
// Records the schema did not type (tombstones) take their parser's time.
type typedTime struct {
	Parser
	field string
}

// EventTime implements Parser.
func (t typedTime) EventTime(rec *model.Record) (time.Time, error) {
	if rec.Schema == nil {
		return t.Parser.EventTime(rec)
	}
	v, ok := rec.Field(t.field)
	if !ok || v == nil {
		return time.Time{}, ErrMissing
	}
	tm, ok := v.(time.Time)
	if !ok {
		return time.Time{}, ErrWrongType
	}
	return tm, nil
}
