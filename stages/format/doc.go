// Package format defines the envelope every output file holds (one row per
// Kafka record, see Schema), the spill files the buffer stage writes while a
// round is open (Arrow IPC streams, see SpillWriter) or the records it holds
// in memory instead (Held), and the encoders that turn either into the object
// uploaded to the bucket (EncodeFrom): Parquet, JSON lines (optionally
// compressed), Avro object container files (avro.go: any Arrow schema, see
// avroschema.go for the mapping), or a format a program registered.
//
// Formats are registered by name like sluice's other components (Register,
// NewFactory; parquet and jsonl are built through the same registry) and
// chosen by a topic's "format: {type: <name>, options: {...}}". A Format
// names its file extension and encodes a round from Arrow batches of the
// envelope schema (Batches, Schema) into a writer, deterministically. What a
// registered format cannot do yet: "sluice verify" knows only the built-in
// extensions and readers, so it reports every file of another format as a
// violation (an object name it does not know) instead of checking its
// records.
//
// Encoding is deterministic: the bytes EncodeFrom writes are a pure function
// of the records and the Config, independent of whether they were held or
// spilled, of how the spill was cut into batches, of time, host and memory
// pressure. The exactly-once protocol relies on it: two processes that encode
// the same round write byte-identical objects, and an upload retried (whole,
// or a part of it) sends the same bytes again.
package format
