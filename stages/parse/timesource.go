package parse

import (
	"fmt"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/timefmt"
	"github.com/sluicehq/sluice/model"
)

// epoch is the event time of every record under "time: {source: none}".
var epoch = time.Unix(0, 0).UTC()

// source returns the effective time source of the configuration: "field",
// "kafka", "none", or "" for the parser's own event time (the json parser
// reads its field itself, on its fast path).
func (c Config) source() string {
	switch {
	case c.Time.Source == SourceKafka || c.Time.Source == SourceNone:
		return c.Time.Source
	case c.Type == TypeJSON:
		return ""
	case c.Time.Field != "":
		return SourceField
	}
	return ""
}

// jsonTime is the json parser's time configuration: the time section when
// it names the field, else json.time_field and json.time_format with the
// section's zone. Under source kafka or none the json parser reads no
// field.
func (c Config) jsonTime() TimeConfig {
	switch {
	case c.Time.Source == SourceKafka || c.Time.Source == SourceNone:
		return TimeConfig{Source: c.Time.Source}
	case c.Time.Field != "":
		return c.Time
	}
	return TimeConfig{Field: c.JSON.TimeField, Format: c.JSON.TimeFormat, Zone: c.Time.Zone}
}

// withTimeSource wraps the parser p so that its event time comes from the
// configuration's time section, when it says so.
func withTimeSource(p Parser, c Config) (Parser, error) {
	_, isDecoder := p.(Decoder)
	_, isRaw := p.(rawParser)
	inner := p
	if isDecoder || isRaw {
		inner = nil // it decodes in Decode; its EventTime has nothing to do
	}
	switch c.source() {
	case SourceNone:
		return fixedTime{inner: inner, t: epoch}, nil
	case SourceKafka:
		return fixedTime{inner: inner, kafka: true}, nil
	case SourceField:
		tf, err := timefmt.New(c.Time.Format, c.Time.Layout, c.Time.Zone)
		if err != nil {
			return nil, fmt.Errorf("%w: time: %w", ErrInvalidConfig, err)
		}
		return &fieldTime{inner: inner, path: strings.Split(c.Time.Field, "."), tf: tf}, nil
	}
	return p, nil
}

// fixedTime gives every record the Kafka timestamp (kafka) or t. It still
// calls a parser that decodes in EventTime (inner), for its fields.
type fixedTime struct {
	inner Parser
	kafka bool
	t     time.Time
}

func (f fixedTime) EventTime(rec *model.Record) (time.Time, error) {
	if f.inner != nil {
		_, _ = f.inner.EventTime(rec) // for the fields it sets; its time is not asked for
	}
	if f.kafka {
		return rec.Timestamp, nil
	}
	return f.t, nil
}

// fieldTime reads the event time from a field of the record's fields (as
// the parser decoded them, or the JSON value). It calls a parser that
// decodes in EventTime (inner) first, for its fields.
type fieldTime struct {
	inner Parser
	path  []string
	tf    *timefmt.Format
}

func (f *fieldTime) EventTime(rec *model.Record) (time.Time, error) {
	if f.inner != nil {
		_, _ = f.inner.EventTime(rec) // for the fields it sets; its time is not asked for
	}
	if rec.Value == nil && rec.Schema == nil {
		return time.Time{}, ErrMissing // a tombstone has no fields
	}
	m, err := rec.Fields()
	if err != nil {
		return time.Time{}, ErrMalformed
	}
	for _, key := range f.path[:len(f.path)-1] {
		switch next := m[key].(type) {
		case map[string]any:
			m = next
		case nil:
			return time.Time{}, ErrMissing
		default:
			return time.Time{}, ErrWrongType
		}
	}
	v, ok := m[f.path[len(f.path)-1]]
	if !ok {
		return time.Time{}, ErrMissing
	}
	return f.tf.Value(v)
}
