package parse

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fastjson"

	"github.com/sluicehq/sluice/model"
)

// Parser types built in.
const (
	// TypeRaw takes the Kafka record timestamp as the event time.
	TypeRaw = "raw"
	// TypeJSON reads the event time from a field of the JSON value.
	TypeJSON = "json"
)

// Time formats of the json parser (JSONConfig.TimeFormat).
const (
	FormatUnixS   = "unix_s"
	FormatUnixMS  = "unix_ms"
	FormatUnixUS  = "unix_us"
	FormatUnixNS  = "unix_ns"
	FormatRFC3339 = "rfc3339"
	FormatAuto    = "auto"
)

// formats maps a time format to the unit of its numbers: 0 for auto (by
// magnitude), -1 for rfc3339 (no numbers).
var formats = map[string]unit{
	FormatUnixS: seconds, FormatUnixMS: millis, FormatUnixUS: micros, FormatUnixNS: nanos,
	FormatRFC3339: -1, FormatAuto: 0, "": 0,
}

// jsonParser reads the event time from a field of a JSON object. Numbers and
// numeric strings are read as Unix times in unit u (by magnitude when u is 0);
// strings as RFC 3339 (and, when u is 0, as numbers if they are not RFC 3339).
type jsonParser struct {
	path []string
	u    unit
	pool sync.Pool // of *scratch
}

// scratch is the per-call working memory of a jsonParser, pooled.
type scratch struct {
	p   fastjson.Parser
	num []byte // the text of a number field
}

// newJSON builds the json parser.
func newJSON(cfg JSONConfig) (*jsonParser, error) {
	field := cfg.TimeField
	if field == "" {
		return nil, fmt.Errorf("%w: json.time_field is required", ErrInvalidConfig)
	}
	path := strings.Split(field, ".")
	for _, key := range path {
		if key == "" {
			return nil, fmt.Errorf("%w: json.time_field %q has an empty segment", ErrInvalidConfig, field)
		}
	}
	u, ok := formats[cfg.TimeFormat]
	if !ok {
		return nil, fmt.Errorf("%w: json.time_format %q is not one of unix_s, unix_ms, unix_us, unix_ns, rfc3339, auto",
			ErrInvalidConfig, cfg.TimeFormat)
	}
	p := &jsonParser{path: path, u: u}
	p.pool.New = func() any { return &scratch{num: make([]byte, 0, 32)} }
	return p, nil
}

// EventTime implements Parser, reading the record's value.
func (p *jsonParser) EventTime(rec *model.Record) (time.Time, error) { return p.eventTime(rec.Value) }

// eventTime reads the time field of value. It allocates nothing unless
// value is not valid JSON (the JSON library then builds its error).
func (p *jsonParser) eventTime(value []byte) (time.Time, error) {
	sc, _ := p.pool.Get().(*scratch)
	defer p.pool.Put(sc)
	v, err := sc.p.ParseBytes(value)
	if err != nil || v.Type() != fastjson.TypeObject {
		return time.Time{}, ErrMalformed
	}
	for i, key := range p.path {
		if i > 0 {
			switch v.Type() {
			case fastjson.TypeObject:
			case fastjson.TypeNull:
				return time.Time{}, ErrMissing
			default:
				return time.Time{}, ErrWrongType
			}
		}
		o, _ := v.Object() // v is an object: checked above
		if v = o.Get(key); v == nil {
			return time.Time{}, ErrMissing
		}
	}
	return p.read(v, sc)
}

// read reads the time field v.
func (p *jsonParser) read(v *fastjson.Value, sc *scratch) (time.Time, error) {
	switch v.Type() {
	case fastjson.TypeNull:
		return time.Time{}, ErrMissing
	case fastjson.TypeNumber:
		if p.u < 0 {
			return time.Time{}, ErrWrongType
		}
		sc.num = v.MarshalTo(sc.num[:0])
		return numberTime(sc.num, p.u)
	case fastjson.TypeString:
		s, _ := v.StringBytes() // v is a string: checked above
		switch {
		case p.u < 0:
			return rfc3339Time(s)
		case p.u > 0:
			return numberTime(s, p.u)
		case len(s) >= 20 && s[4] == '-':
			return rfc3339Time(s)
		default:
			return numberTime(s, 0)
		}
	default:
		return time.Time{}, ErrWrongType
	}
}
