// Package format defines the envelope every output file holds (one row per
// Kafka record, see Schema), the spill files the buffer stage writes while a
// round is open (Arrow IPC streams, see SpillWriter), and the encoders that
// turn a spill file into the object uploaded to the bucket (Encode): Parquet
// or JSON lines, optionally compressed.
//
// Encoding is deterministic: the bytes Encode writes are a pure function of
// the records in the spill file and the Config, independent of how the spill
// was cut into batches, of time, host and memory pressure. The exactly-once
// protocol relies on it: two processes that encode the same round write
// byte-identical objects.
package format
