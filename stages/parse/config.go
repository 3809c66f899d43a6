package parse

import (
	"slices"
	"strings"

	"github.com/sluicehq/sluice/conf"
)

// Config chooses how a topic's records are parsed: where their event time
// comes from.
//
//	parser: {type: json, json: {time_field: meta.ts}}
//	parser: {type: kv, options: {separator: "="}}   # a registered parser
type Config struct {
	// Type is the parser: "raw" (event time is the Kafka timestamp), "json"
	// (event time read from a field of the JSON value), or a parser a
	// program registered (Register). Default "raw".
	Type string `yaml:"type"`
	// JSON configures the "json" parser.
	JSON JSONConfig `yaml:"json"`
	// Options are the options of a registered parser, decoded and
	// validated by its Factory. The built-in parsers take none ("json" has
	// its own section above).
	Options conf.Options `yaml:"options,omitempty"`
}

// JSONConfig configures the json parser.
type JSONConfig struct {
	// TimeField is the field holding the event time; nested fields are
	// written with dots ("meta.ts"). Required for the json parser.
	TimeField string `yaml:"time_field"`
	// TimeFormat is how the field is written: "unix_s", "unix_ms", "unix_us",
	// "unix_ns", "rfc3339" or "auto" (numbers by magnitude, strings as RFC 3339).
	// Default "auto".
	TimeFormat string `yaml:"time_format"`
}

// validTimeFormats lists the values JSONConfig.TimeFormat accepts.
var validTimeFormats = []string{"unix_s", "unix_ms", "unix_us", "unix_ns", "rfc3339", "auto"}

// DefaultConfig returns the parser configuration used where the file sets
// none: the raw parser (event time is the Kafka timestamp) and, should the
// json parser be chosen, the "auto" time format.
func DefaultConfig() Config {
	return Config{Type: TypeRaw, JSON: defaultJSON()}
}

// defaultJSON returns the json parser's defaults.
func defaultJSON() JSONConfig { return JSONConfig{TimeFormat: FormatAuto} }

// Validate reports every problem of the configuration, each a
// *conf.FieldError naming its YAML path relative to the parser ("type",
// "json.time_field", "options.separator"). Type may name any built-in or
// registered parser (see Names); a registered parser's options are decoded
// and validated by its Factory. Validate only checks; it never fills in
// defaults.
func (c Config) Validate() error {
	var errs conf.Errors
	if names := Names(); !slices.Contains(names, c.Type) {
		errs.Addf("type", "unknown parser %q (want %s)", c.Type, strings.Join(names, ", "))
	} else if f, err := Lookup(c.Type); err == nil {
		_, err := c.options(f)
		errs.Nest("", err)
	}
	if c.Type == TypeJSON && c.JSON.TimeField == "" {
		errs.Addf("json.time_field", "required for the json parser")
	}
	if c.JSON.TimeField != "" && slices.Contains(strings.Split(c.JSON.TimeField, "."), "") {
		errs.Addf("json.time_field", "%q has an empty segment (write nested fields as a.b.c)", c.JSON.TimeField)
	}
	if !slices.Contains(validTimeFormats, c.JSON.TimeFormat) {
		errs.Addf("json.time_format", "unknown time format %q (want %s)",
			c.JSON.TimeFormat, strings.Join(validTimeFormats, ", "))
	}
	return errs.Err()
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
