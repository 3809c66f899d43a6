// Package parse is the first stage on sluice's per-record path: it reads the
// event time of each Kafka record, the time the record's output partition is
// chosen by.
//
// The built-in parsers: "raw" takes the Kafka record timestamp as the
// event time. "json" reads a field of the record's JSON value (a dotted path
// such as "meta.ts" for nested objects) written as Unix seconds,
// milliseconds, microseconds or nanoseconds, as an RFC 3339 string, or in any
// of these ("auto", numbers judged by magnitude). "regex", "kv" and
// "logfmt" decode text lines into fields of strings (model.Record.SetDecoded:
// the line itself stays the archived value) and reject lines they cannot
// read to the dead-letter destination. For every parser a "time:" section
// names the field the event time is read from (formats: Unix numbers, RFC
// 3339, ISO 8601, Go or Java layouts; a zone for times written without
// one, from the zone database built into the binary), or takes the Kafka
// timestamp, or none at all (the Unix epoch, for offset partitioning).
// Programs built on sluice
// add parsers of their own with Register: a Factory (NewFactory) names the
// parser, gives its options with their defaults, and builds it; a topic
// chooses it with "parser: {type: <name>, options: {...}}", and its options
// are decoded strictly and validated at "sluice validate", problems
// reported with path and line ("defaults.parser.options.separator", line
// 12) like sluice's own. A parser sees the whole record: besides the event
// time it may decode the value into fields for the stages after it (see
// Parser and ExampleRegister).
//
// A record is never dropped: when its event time cannot be read (the value is
// not JSON, the field is missing or has the wrong type, the string is not a
// time) the stage falls back to the Kafka timestamp, marks the record
// (model.Record.EventTimeFallback) and counts the fallback by reason. The
// result is a pure function of the record's bytes and the configuration, so
// a round written twice lands in the same partitions.
//
// The "protobuf" parser (ProtobufConfig) is a Decoder: it decodes Protobuf
// values into typed fields and a model.Schema, in the Confluent wire format
// with schemas from the Schema Registry (compiled with
// github.com/bufbuild/protocompile, cached by id) or from a descriptor set
// or .proto file, or bare. Values are read with google.golang.org/protobuf's
// dynamicpb; docs/protobuf.md gives the mapping of Protobuf types to Arrow
// columns and Go values. Records it cannot decode are rejected to the
// dead-letter destination; a Schema Registry that does not answer after
// bounded retries stops sluice (ErrUnavailable).
//
// JSON values are read with github.com/valyala/fastjson: it validates the
// whole value in one pass without allocating (parsers are pooled), and the
// field path is walked key by key, so field names need no escaping. Event
// times are returned in UTC and must lie within the years 1 to 9999.
//
// # Avro
//
// The "avro" parser decodes Avro binary values into typed fields (a
// Decoder). In the Confluent wire format (magic byte 0, a 4-byte big-endian
// schema id, the value) it fetches each id's schema from the Schema
// Registry (Settings.Registry, the "schema_registry:" section) once, with
// its references, compiles it once and shares it: model.Schema ID
// "avro:<id>". With options.schema_file it reads one schema from an .avsc
// file instead, for values in the Confluent format (the id is not
// checked) or bare ("wire: bare"): ID "avro:file:<12 hex of the file's
// SHA-256>". Schemas are parsed with github.com/hamba/avro/v2, whose Reader
// also reads the primitives; a tree compiled from the schema builds the
// values in one pass. A record schema's fields are the columns; any other
// schema is one column, "value".
//
//	Avro                           Arrow                      Go value
//	null                           null                       nil
//	boolean                        bool                       bool
//	int                            int32                      int64
//	long                           int64                      int64
//	float, double                  float32, float64           float64
//	string (uuid too)              utf8                       string
//	bytes                          binary                     []byte
//	fixed(n) (duration too)        fixed_size_binary[n]       []byte
//	decimal(p, s), bytes or fixed  decimal128, p > 38: 256    *big.Rat
//	date                           date32                     time.Time (UTC midnight)
//	time-millis, time-micros       time32[ms], time64[us]     time.Duration
//	timestamp-millis, -micros      timestamp[ms|us, UTC]      time.Time (UTC)
//	local-timestamp-millis, -micros timestamp[ms|us] (no zone) time.Time (the wall clock, in UTC)
//	enum                           utf8                       string (the symbol)
//	array<T>                       list<item: T>              []any
//	map<T>                         map<utf8, T>               map[string]any
//	record                         struct                     map[string]any
//	["null", T], [T, "null"]       T, nullable                T's value, or nil
//	[T]                            T                          T's value
//	any other union                struct of one nullable     map[string]any with one key,
//	                               member per non-null branch the branch taken (nil for null)
//
// A union's struct members are named by the branch's type: a named type's
// short name ("Address"), else the type's name ("string", "long", "array",
// "map"). The struct is nullable when the union has "null". A recursive
// schema (a record that contains itself) has no column type and is
// refused, as are decimals wider than 76 digits.
//
// Records are rejected (dead-lettered, the reason starting "decoding avro:")
// for a bad magic byte, an id the registry does not know (HTTP 404;
// remembered for a minute), a schema that is not Avro or does not parse,
// and bytes that do not decode or have bytes left over. A registry that
// does not answer, or answers 5xx or 401/403, after the client's retries
// (transport/schemareg) gives an error wrapping ErrUnavailable, which stops
// sluice instead. A tombstone stays untyped. options.time_field takes the
// event time from a decoded timestamp or date (or a long of Unix
// milliseconds); without it the event time is the Kafka timestamp.
package parse
