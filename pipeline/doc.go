// Package pipeline assembles sluice: configuration, the stages, the Watermill
// routers that chain them and their lifecycle.
//
// watermill-kafka's Subscriber is read by a kafka.Batcher (consume.go),
// which acks each record at once (acks commit nothing) and gathers the
// records of each Kafka partition into micro-batches stamped with the
// partition's assignment. Two routers then run:
//
//   - ingest: one handler per stage, chained over an in-process link (one
//     batch per message, carried by reference in its context, chain.go):
//     parse → partition → the topics' configured stages, one handler per
//     position in the longest list → buffer. A partition's batches stay in
//     order; Ingest.Lanes batches of different partitions are in each
//     handler at once. A stage's error halts the partition and stops
//     sluice; a batch of an ended assignment is dropped by the buffer.
//   - deliver: sealed rounds travel by reference over a second link,
//     ordered per Kafka partition: upload → commit.
//
// Shutdown goes upstream first: the buffer stops taking records and seals
// what it holds, the link drains through upload and commit (which commit the
// Kafka offsets on the still-live sessions), then the consumers stop.
//
// HealthChecks gives the checks a health.Server (package pipeline/health)
// serves as /healthz and /readyz: the routers run; joined the consumer group,
// the store answers, no shutdown begun.
package pipeline
