// Package model holds the types every layer of sluice shares: a Kafka record
// as sluice sees it (Record, Header) and a sealed round of one Kafka
// partition's records (Round, RoundFile, RecordLink), with the deterministic
// names the exactly-once protocol relies on (FileName, LaneOf).
//
// It imports no other sluice package: the Kafka transport, the stages, the
// telemetry and the applications all import it, so a record or a round never
// needs encoding into another layer's container to travel between them.
package model
