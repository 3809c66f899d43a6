package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/parse"
)

// unparsedField is the field a line that is not key=value pairs is kept
// under, whole, so that no byte of it is lost and the stages still see it.
const unparsedField = "_raw"

// kvOptions are the kv parser's options, the "options:" of a topic's
// parser section:
//
//	parser: {type: kvlog, options: {time_field: ts}}
type kvOptions struct {
	// TimeField is the key whose value is the event time. Default "ts".
	TimeField string `yaml:"time_field"`
	// Layout is how the event time is written, as a Go reference-time
	// layout. Default RFC 3339 ("2006-01-02T15:04:05Z07:00", fractional
	// seconds accepted); a layout without a zone reads UTC.
	Layout string `yaml:"layout"`
}

func defaultKVOptions() kvOptions {
	return kvOptions{TimeField: "ts", Layout: time.RFC3339Nano}
}

// Validate reports every problem of the options; sluice adds their YAML
// path and line ("defaults.parser.options.layout", line 12).
func (o *kvOptions) Validate() error {
	var errs conf.Errors
	if o.TimeField == "" || strings.ContainsAny(o.TimeField, " \t\"=") {
		errs.Addf("time_field", "want a key without spaces, quotes or '=', got %q", o.TimeField)
	}
	// A layout must at least carry a date: format a known time with it and
	// read it back.
	ref := time.Date(2026, 11, 22, 1, 2, 3, 0, time.UTC)
	if t, err := time.Parse(o.Layout, ref.Format(o.Layout)); err != nil || t.YearDay() != ref.YearDay() || t.Year() != ref.Year() {
		errs.Addf("layout", "%q is not a Go time layout with a date (e.g. %q)", o.Layout, time.RFC3339)
	}
	return errs.Err()
}

// newKV builds the kv parser. It runs once per topic, never per record.
func newKV(o kvOptions, _ parse.Settings) (parse.Parser, error) {
	return parse.Func(func(rec *model.Record) (time.Time, error) {
		return kvEventTime(o, rec)
	}), nil
}

// kvEventTime decodes the record's value, a line of key=value pairs, into
// fields and returns the event time from o.TimeField.
//
// The fields replace the value: sluice stores them re-encoded as a JSON
// object ({"level":"info","ts":"2026-11-22T01:02:03Z",...}, keys sorted,
// every value a string), which the stages after the parser read and change
// by name and which a query engine reads with its JSON functions. A line
// that is not key=value pairs is kept whole as {"_raw": "<line>"} and its
// event time falls back to the Kafka timestamp. A tombstone stays one.
func kvEventTime(o kvOptions, rec *model.Record) (time.Time, error) {
	if rec.Value == nil {
		return time.Time{}, fmt.Errorf("%w: a tombstone has no fields", parse.ErrMalformed)
	}
	line := string(rec.Value) // a copy: the parser must not keep rec's bytes
	fields, err := parseKV(line)
	if err != nil {
		rec.SetFields(map[string]any{unparsedField: line})
		return time.Time{}, err
	}
	rec.SetFields(fields)
	ts, ok := fields[o.TimeField].(string)
	if !ok {
		return time.Time{}, parse.ErrMissing
	}
	t, err := time.Parse(o.Layout, ts)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %w", parse.ErrUnparsable, err)
	}
	return t, nil
}

// parseKV reads "k1=v1 k2="quoted value" ..." (logfmt). Keys run to the
// '='; a value is either bare, up to the next space, or double-quoted with
// Go's escapes (\" \\ \n ...). A repeated key keeps its last value. Anything
// else (a word without '=', an empty key, an unterminated quote, text
// right after a closing quote) is an error wrapping parse.ErrMalformed.
func parseKV(line string) (map[string]any, error) {
	fields := map[string]any{}
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) {
			return fields, nil
		}
		start := i
		for i < len(line) && line[i] != '=' && !isSpace(line[i]) {
			i++
		}
		if i == start || i == len(line) || line[i] != '=' {
			return nil, fmt.Errorf("%w: want key=value at byte %d", parse.ErrMalformed, start)
		}
		key := line[start:i]
		i++ // the '='
		if i < len(line) && line[i] == '"' {
			end := closingQuote(line, i)
			if end < 0 {
				return nil, fmt.Errorf("%w: unterminated quote at byte %d", parse.ErrMalformed, i)
			}
			v, err := strconv.Unquote(line[i : end+1])
			if err != nil {
				return nil, fmt.Errorf("%w: bad quoted value at byte %d", parse.ErrMalformed, i)
			}
			if i = end + 1; i < len(line) && !isSpace(line[i]) {
				return nil, fmt.Errorf("%w: want a space after the quoted value at byte %d", parse.ErrMalformed, i)
			}
			fields[key] = v
			continue
		}
		vs := i
		for i < len(line) && !isSpace(line[i]) {
			i++
		}
		fields[key] = line[vs:i]
	}
}

// closingQuote returns the index of the quote that closes the one at
// line[open], skipping escaped characters, or -1.
func closingQuote(line string, open int) int {
	for j := open + 1; j < len(line); j++ {
		switch line[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return -1
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
