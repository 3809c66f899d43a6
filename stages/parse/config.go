package parse

import (
	"slices"
	"strings"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/internal/timefmt"
)

// Config chooses how a topic's records are parsed: how their values are
// decoded into fields and where their event time comes from.
//
//	parser: {type: json, json: {time_field: meta.ts}}
//	parser: {type: logfmt, time: {field: ts, format: iso8601, zone: Europe/Berlin}}
//	parser: {type: regex, options: {pattern: '^(?P<ip>\S+) (?P<ts>\S+)'}, time: {field: ts}}
type Config struct {
	// Type is the parser: "raw" (the value is kept as bytes), "json"
	// (event time read from a field of the JSON value), "regex", "kv" or
	// "logfmt" (text lines decoded into fields; lines that do not parse
	// are rejected to the dead-letter destination), or a parser a program
	// registered (Register). Default "raw".
	Type string `yaml:"type"`
	// JSON configures the "json" parser.
	JSON JSONConfig `yaml:"json"`
	// Options are the options of the regex, kv and logfmt parsers and of
	// registered ones, decoded and validated by their Factory. "raw" and
	// "json" take none ("json" has its own section above).
	Options conf.Options `yaml:"options,omitempty"`
	// Time says where the event time comes from, for every parser.
	Time TimeConfig `yaml:"time"`
}

// TimeConfig says where a record's event time comes from: a field of the
// decoded value, the Kafka timestamp, or nothing (a fixed time, for
// partitioners that do not use time, such as offset).
//
//	time: {field: meta.ts, format: unix_ms}
//	time: {field: ts, format: layout, layout: "yyyy-MM-dd HH:mm:ss", zone: Europe/Berlin}
//	time: {source: none}
type TimeConfig struct {
	// Source is "field" (the event time is read from Field; records whose
	// field is missing or unreadable fall back to the Kafka timestamp and
	// are counted by reason), "kafka" (the Kafka timestamp) or "none"
	// (every record gets the Unix epoch, 1970-01-01T00:00:00Z). Default:
	// empty, meaning "field" when a field is named (here or, for the json
	// parser, as json.time_field) and the parser's own choice otherwise
	// (the Kafka timestamp for the built-ins).
	Source string `yaml:"source"`
	// Field is the field holding the event time; nested fields with dots
	// ("meta.ts"). For the json parser it replaces json.time_field.
	Field string `yaml:"field"`
	// Format is how the field is written: "auto" (numbers as Unix times
	// judged by magnitude, strings as RFC 3339 or ISO 8601 or else as
	// numbers), "unix_s", "unix_ms", "unix_us", "unix_ns" (numbers or
	// numeric strings), "rfc3339", "iso8601" (zone optional, see Zone) or
	// "layout" (see Layout). Values a parser typed as times are taken as
	// they are. Default "auto" (also when empty).
	Format string `yaml:"format"`
	// Layout is the layout of format "layout": a Go layout, the reference
	// time Mon Jan 2 15:04:05 MST 2006 written the way the field is
	// ("02/Jan/2006:15:04:05 -0700"), or, when it holds "yy", Java
	// SimpleDateFormat letters (yyyy MM dd HH mm ss SSS, 'T' quoted), which
	// are converted.
	Layout string `yaml:"layout"`
	// Zone is the IANA zone of times written without one (iso8601 without
	// an offset, layouts without a zone). The zone database is built into
	// sluice. Default "UTC" (also when empty).
	Zone string `yaml:"zone"`
}

// jsonFormats lists the values JSONConfig.TimeFormat accepts (TimeConfig.Format
// accepts more).
var jsonFormats = []string{FormatUnixS, FormatUnixMS, FormatUnixUS, FormatUnixNS, FormatRFC3339, FormatAuto}

// Time sources (TimeConfig.Source).
const (
	SourceField = "field"
	SourceKafka = "kafka"
	SourceNone  = "none"
)

// JSONConfig configures the json parser.
type JSONConfig struct {
	// TimeField is the field holding the event time; nested fields are
	// written with dots ("meta.ts"). Required for the json parser.
	TimeField string `yaml:"time_field"`
	// TimeFormat is how the field is written, as TimeConfig.Format.
	// Default "auto".
	TimeFormat string `yaml:"time_format"`
}

// DefaultConfig returns the parser configuration used where the file sets
// none: the raw parser (event time is the Kafka timestamp) and, should the
// json parser be chosen, the "auto" time format.
func DefaultConfig() Config {
	return Config{Type: TypeRaw, JSON: defaultJSON(), Time: TimeConfig{Format: FormatAuto, Zone: "UTC"}}
}

// defaultJSON returns the json parser's defaults.
func defaultJSON() JSONConfig { return JSONConfig{TimeFormat: FormatAuto} }

// Validate reports every problem of the configuration, each a
// *conf.FieldError naming its YAML path relative to the parser ("type",
// "json.time_field", "time.zone", "options.pattern"). Type may name any
// built-in or registered parser (see Names); a registered parser's options
// are decoded and validated by its Factory. Validate only checks; it never
// fills in defaults.
func (c Config) Validate() error {
	var errs conf.Errors
	if names := Names(); !slices.Contains(names, c.Type) {
		errs.Addf("type", "unknown parser %q (want %s)", c.Type, strings.Join(names, ", "))
	} else if f, err := Lookup(c.Type); err == nil {
		_, err := c.options(f)
		errs.Nest("", err)
	}
	if c.Type == TypeJSON && c.JSON.TimeField == "" && c.Time.Field == "" &&
		c.Time.Source != SourceKafka && c.Time.Source != SourceNone {
		errs.Addf("json.time_field", "required for the json parser (or time.field, or time.source kafka or none)")
	}
	if c.Type == TypeJSON && c.JSON.TimeField != "" && c.Time.Field != "" {
		errs.Addf("json.time_field", "set either json.time_field or time.field, not both")
	}
	if c.Type == TypeJSON && c.JSON.TimeField != "" && (c.Time.Source == SourceKafka || c.Time.Source == SourceNone) {
		errs.Addf("json.time_field", "not read with time.source %s", c.Time.Source)
	}
	checkField(&errs, "json.time_field", c.JSON.TimeField)
	if !slices.Contains(jsonFormats, c.JSON.TimeFormat) {
		errs.Addf("json.time_format", "unknown time format %q (want %s)",
			c.JSON.TimeFormat, strings.Join(jsonFormats, ", "))
	}
	errs.Nest("time", c.Time.validate(c.Type == TypeJSON && c.JSON.TimeField != ""))
	return errs.Err()
}

// validate reports the problems of the time section; jsonField says the
// json parser names its field in json.time_field.
func (t TimeConfig) validate(jsonField bool) error {
	var errs conf.Errors
	switch t.Source {
	case "":
	case SourceField:
		if t.Field == "" && !jsonField {
			errs.Addf("field", "required for source field")
		}
	case SourceKafka, SourceNone:
		if t.Field != "" {
			errs.Addf("field", "only read with source field (source is %s)", t.Source)
		}
	default:
		errs.Addf("source", "unknown source %q (want field, kafka, none)", t.Source)
	}
	checkField(&errs, "field", t.Field)
	if t.Format != "" && !slices.Contains(validFormats, t.Format) {
		errs.Addf("format", "unknown time format %q (want %s)", t.Format, strings.Join(validFormats, ", "))
	}
	if t.Format == FormatLayout {
		if _, err := timefmt.GoLayout(t.Layout); err != nil {
			errs.Add("layout", err)
		}
	} else if t.Layout != "" {
		errs.Addf("layout", "only read with format layout (format is %q)", t.Format)
	}
	if _, err := timefmt.LoadZone(t.Zone); err != nil {
		errs.Add("zone", err)
	}
	return errs.Err()
}

// checkField reports a field path with an empty segment.
func checkField(errs *conf.Errors, path, field string) {
	if field != "" && slices.Contains(strings.Split(field, "."), "") {
		errs.Addf(path, "%q has an empty segment (write nested fields as a.b.c)", field)
	}
}

// RegistryUser is implemented by the options of a parser that may fetch
// schemas from the Schema Registry (Settings.Registry): the configuration
// is then invalid without a schema_registry section.
type RegistryUser interface {
	// NeedsRegistry reports whether the parser, with these options,
	// fetches schemas from the registry.
	NeedsRegistry() bool
}

// NeedsRegistry reports whether the configured parser fetches schemas from
// the Schema Registry: its options implement RegistryUser and say so.
// False when the type is unknown or the options do not decode (Validate
// reports those).
func (c Config) NeedsRegistry() bool {
	f, err := Lookup(c.Type)
	if err != nil {
		return false
	}
	opts, err := c.options(f)
	if err != nil {
		return false
	}
	u, ok := opts.(RegistryUser)
	return ok && u.NeedsRegistry()
}
