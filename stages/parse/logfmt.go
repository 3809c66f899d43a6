package parse

import (
	"bytes"
	"errors"

	"github.com/go-logfmt/logfmt"
)

// newLogfmt builds the logfmt parser. It takes no options.
func newLogfmt(struct{}, Settings) (Parser, error) {
	return &textParser{name: TypeLogfmt, decode: decodeLogfmt}, nil
}

// decodeLogfmt reads a logfmt line (level=info msg="a b" dur=1.5s) with
// github.com/go-logfmt/logfmt: keys are any bytes above space except '=' and
// '"', values bare or double-quoted with JSON escapes. A key without a value
// ("flag" or "flag=") is an empty string; a repeated key keeps its last
// value. A value holding more than one line with pairs, a syntax error or
// no pair at all is an error.
func decodeLogfmt(line []byte) (map[string]any, error) {
	dec := logfmt.NewDecoderSize(bytes.NewReader(line), len(line)+1)
	var fields map[string]any
	for dec.ScanRecord() {
		var rec map[string]any
		for dec.ScanKeyval() {
			if rec == nil {
				rec = map[string]any{}
			}
			rec[string(dec.Key())] = string(dec.Value())
		}
		if err := dec.Err(); err != nil {
			return nil, err
		}
		if rec == nil {
			continue
		}
		if fields != nil {
			return nil, errors.New("the value holds more than one line")
		}
		fields = rec
	}
	if err := dec.Err(); err != nil {
		return nil, err
	}
	if fields == nil {
		return nil, errNoFields
	}
	return fields, nil
}
