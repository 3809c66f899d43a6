package parse

// Config chooses how a topic's records are parsed: where their event time
// comes from.
type Config struct {
	// Type is the parser: "raw" (event time is the Kafka timestamp) or "json"
	// (event time read from a field of the JSON value). Default "raw".
	Type string `yaml:"type"`
	// JSON configures the "json" parser.
	JSON JSONConfig `yaml:"json"`
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
