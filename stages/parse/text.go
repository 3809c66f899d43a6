package parse

import (
	"errors"
	"fmt"
	"time"

	"github.com/sluicehq/sluice/model"
)

// Text parsers built in: each decodes a line into fields of strings
// (model.Record.SetDecoded: the line stays the archived value) and rejects
// a line it cannot read. Their event time is the Kafka timestamp unless
// the parser section's "time:" names a field.
const (
	// TypeRegex reads the named groups of an RE2 pattern.
	TypeRegex = "regex"
	// TypeKV reads key=value pairs with configurable separators.
	TypeKV = "kv"
	// TypeLogfmt reads logfmt lines (github.com/go-logfmt/logfmt).
	TypeLogfmt = "logfmt"
)

// errNoFields rejects a line in which a parser found no field.
var errNoFields = errors.New("no fields")

// textParser is the Decoder of a text parser: decode reads a line into
// fields, which must be strings the parser owns (copies: the record's
// bytes may be reused). Its errors are the rejection's reason, after
// "decoding <name>: ".
type textParser struct {
	name   string
	decode func(line []byte) (map[string]any, error)
}

// Decode implements Decoder. A tombstone stays one.
func (p *textParser) Decode(rec *model.Record) error {
	if rec.Value == nil {
		return nil
	}
	fields, err := p.decode(rec.Value)
	if err != nil {
		return fmt.Errorf("decoding %s: %w", p.name, err)
	}
	rec.SetDecoded(fields)
	return nil
}

// EventTime implements Parser: the Kafka timestamp (a field named in the
// time section replaces it; see Stage).
func (p *textParser) EventTime(rec *model.Record) (time.Time, error) { return rec.Timestamp, nil }
