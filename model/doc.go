// Package model holds the types every layer of sluice shares: a Kafka record
// as sluice sees it (Record, Header), a batch of one partition's records as
// the ingest stages see it (Batch, with the Offsets its stages filtered), and
// a sealed round of one Kafka partition's records (Round, RoundFile,
// RecordLink), with the deterministic names the exactly-once protocol relies
// on (FileName, LaneOf).
//
// A record's value is bytes (Record.Value) or, once a parser or a stage
// decoded it, fields (Record.Fields): today JSON objects as Go maps. Typed
// values decoded against a schema (Avro, Protobuf, a declared JSON schema)
// are meant to travel the same way, the batch carrying its schema beside
// the records' fields, so that a stage written against Fields, SetField and
// DeleteField keeps working when a topic gains a schema.
//
// It imports no other sluice package: the Kafka transport, the stages, the
// telemetry and the applications all import it, so a record or a round never
// needs encoding into another layer's container to travel between them.
package model
