package parse

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fastjson"

	"github.com/sluicehq/sluice/internal/timefmt"
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
	FormatUnixS   = timefmt.UnixS
	FormatUnixMS  = timefmt.UnixMS
	FormatUnixUS  = timefmt.UnixUS
	FormatUnixNS  = timefmt.UnixNS
	FormatRFC3339 = timefmt.RFC3339
	FormatAuto    = timefmt.Auto
)

// Time formats beyond the json parser's first ones (TimeConfig.Format).
const (
	// FormatISO8601 reads ISO 8601 date-times, with or without a zone:
	// "2026-11-22T01:02:03", "2026-11-22 01:02:03.5+01:00", "2026-11-22".
	// Times without a zone are read in TimeConfig.Zone.
	FormatISO8601 = timefmt.ISO8601
	// FormatLayout reads strings with TimeConfig.Layout.
	FormatLayout = timefmt.Layout
)

// validFormats lists the values TimeConfig.Format and JSONConfig.TimeFormat
// accept.
var validFormats = timefmt.Formats

// jsonParser reads the event time from a field of a JSON object with tf:
// numbers and strings as the time format says.
type jsonParser struct {
	path []string
	tf   *timefmt.Format
	pool sync.Pool // of *scratch
}

// scratch is the per-call working memory of a jsonParser, pooled.
type scratch struct {
	p   fastjson.Parser
	num []byte // the text of a number field
}

// newJSON builds the json parser for its time configuration (Config.jsonTime);
// under time source kafka or none, which need no field, it is the raw
// parser.
func newJSON(cfg TimeConfig) (Parser, error) {
	if cfg.Source == SourceKafka || cfg.Source == SourceNone {
		return rawParser{}, nil
	}
	if cfg.Field == "" {
		return nil, fmt.Errorf("%w: json.time_field (or time.field) is required", ErrInvalidConfig)
	}
	path := strings.Split(cfg.Field, ".")
	for _, key := range path {
		if key == "" {
			return nil, fmt.Errorf("%w: time field %q has an empty segment", ErrInvalidConfig, cfg.Field)
		}
	}
	tf, err := timefmt.New(cfg.Format, cfg.Layout, cfg.Zone)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	p := &jsonParser{path: path, tf: tf}
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
		sc.num = v.MarshalTo(sc.num[:0])
		return p.tf.Number(sc.num)
	case fastjson.TypeString:
		s, _ := v.StringBytes() // v is a string: checked above
		return p.tf.Text(s)
	default:
		return time.Time{}, ErrWrongType
	}
}
