package parse

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/conf"
)

// KVOptions are the options of the kv parser, which reads lines of
// key=value pairs:
//
//	parser: {type: kv}                                                  # a=1 b="x y"
//	parser: {type: kv, options: {pair_separator: "&", kv_separator: ":"}}  # a:1&b:2
type KVOptions struct {
	// PairSeparator is between pairs. Default " ". Repeated separators
	// count as one, and separators at the ends of the line are ignored.
	PairSeparator string `yaml:"pair_separator"`
	// KVSeparator is between a key and its value: the first one in the
	// pair splits it. Default "=".
	KVSeparator string `yaml:"kv_separator"`
	// Quotes reads values that start with '"' up to the closing quote,
	// separators included, with backslash escapes (\" \\ \n \r \t; a
	// backslash before any other character keeps that character). Default
	// true.
	Quotes bool `yaml:"quotes"`
}

// DefaultKVOptions returns the kv parser's defaults.
func DefaultKVOptions() KVOptions {
	return KVOptions{PairSeparator: " ", KVSeparator: "=", Quotes: true}
}

// Validate reports every problem of the options.
func (o *KVOptions) Validate() error {
	var errs conf.Errors
	if o.PairSeparator == "" {
		errs.Addf("pair_separator", "must not be empty")
	}
	if o.KVSeparator == "" {
		errs.Addf("kv_separator", "must not be empty")
	}
	if o.PairSeparator != "" && o.KVSeparator != "" &&
		(strings.Contains(o.PairSeparator, o.KVSeparator) || strings.Contains(o.KVSeparator, o.PairSeparator)) {
		errs.Addf("kv_separator", "%q and pair_separator %q must not contain each other", o.KVSeparator, o.PairSeparator)
	}
	if o.Quotes && strings.Contains(o.PairSeparator+o.KVSeparator, `"`) {
		errs.Addf("quotes", `separators must not contain '"' when quotes is on`)
	}
	return errs.Err()
}

// newKV builds the kv parser.
func newKV(o KVOptions, _ Settings) (Parser, error) {
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	psep, kvsep := []byte(o.PairSeparator), []byte(o.KVSeparator)
	return &textParser{name: TypeKV, decode: func(line []byte) (map[string]any, error) {
		return decodeKV(line, psep, kvsep, o.Quotes)
	}}, nil
}

// decodeKV reads the pairs of line. A repeated key keeps its last value.
// A pair without kvsep, an empty key, an unterminated quote or text right
// after a closing quote is an error, and so is a line without pairs.
func decodeKV(line, psep, kvsep []byte, quotes bool) (map[string]any, error) {
	line = bytes.TrimRight(line, "\r\n")
	fields := map[string]any{}
	for i := 0; ; {
		for bytes.HasPrefix(line[i:], psep) {
			i += len(psep)
		}
		if i == len(line) {
			break
		}
		rest := line[i:]
		end := bytes.Index(rest, psep)
		if end < 0 {
			end = len(rest)
		}
		k := bytes.Index(rest[:end], kvsep)
		if k < 0 {
			return nil, fmt.Errorf("want key%svalue at byte %d", kvsep, i)
		}
		if k == 0 {
			return nil, fmt.Errorf("empty key at byte %d", i)
		}
		key := string(rest[:k])
		v := i + k + len(kvsep)
		if !quotes || v == len(line) || line[v] != '"' {
			fields[key] = string(line[v : i+end])
			i += end
			continue
		}
		val, n, err := unquote(line[v:])
		if err != nil {
			return nil, fmt.Errorf("value of %q at byte %d: %w", key, v, err)
		}
		i = v + n
		if i < len(line) && !bytes.HasPrefix(line[i:], psep) {
			return nil, fmt.Errorf("want a separator after the quoted value at byte %d", i)
		}
		fields[key] = val
	}
	if len(fields) == 0 {
		return nil, errNoFields
	}
	return fields, nil
}

// unquote reads the double-quoted string at the start of b and returns it
// and the number of bytes it took, quotes included.
func unquote(b []byte) (string, int, error) {
	var s []byte
	for i := 1; i < len(b); i++ {
		switch c := b[i]; c {
		case '"':
			return string(s), i + 1, nil
		case '\\':
			if i++; i == len(b) {
				return "", 0, fmt.Errorf("unterminated quote")
			}
			switch e := b[i]; e {
			case 'n':
				s = append(s, '\n')
			case 'r':
				s = append(s, '\r')
			case 't':
				s = append(s, '\t')
			default:
				s = append(s, e)
			}
		default:
			s = append(s, c)
		}
	}
	return "", 0, fmt.Errorf("unterminated quote")
}
