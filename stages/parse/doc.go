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
package parse
