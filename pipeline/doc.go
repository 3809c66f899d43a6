// Package pipeline assembles sluice: configuration, the stages, the Watermill
// routers that chain them and their lifecycle.
//
// Two routers run:
//
//   - ingest: watermill-kafka's Subscriber → one handler per topic that runs
//     parse → partition → buffer on each record. The three per-record stages
//     are called in one handler, not chained through pub/sub hops: the
//     Subscriber keeps one record in flight per Kafka partition until it is
//     acked, so every hop would add its latency to every record.
//   - deliver: sealed rounds travel as Watermill messages over an in-process
//     link, ordered per Kafka partition: upload → commit.
//
// Shutdown goes upstream first: the buffer stops taking records and seals
// what it holds, the link drains through upload and commit (which commit the
// Kafka offsets on the still-live sessions), then the consumers stop.
//
// HealthChecks gives the checks a health.Server (package pipeline/health)
// serves as /healthz and /readyz: the routers run; joined the consumer group,
// the store answers, no shutdown begun.
package pipeline
