// Package kafka connects sluice to Kafka through watermill-kafka's Subscriber
// without letting Watermill's acks commit offsets.
//
// watermill-kafka marks and commits a record's offset as soon as the handler
// acks it. sluice acks a record when the buffer has accepted it, long before
// it is in the bucket, so the Subscriber is given a Coordinator as its
// SaramaTracer. The Coordinator wraps the consumer group handler:
//
//   - Setup asks the pipeline (Assignments) where each claimed partition's
//     durable data ends and places the partition exactly there (ResetOffset
//     moves back, MarkOffset moves forward, so it calls both);
//   - ConsumeClaim places the partitions a cooperative rebalance adds (they
//     start at Kafka's committed offset; the pipeline skips what the bucket
//     holds, or the session restarts on the durable offset), hands Watermill
//     a session whose MarkMessage, MarkOffset and Commit do nothing, and
//     tells the pipeline when the partition's consumption ends (Revoked);
//   - Commit, called by the commit stage after a round is in the bucket, marks
//     and commits the offset on the real session.
//
// Kafka's committed offset then means "safely in the bucket", so standard lag
// tools (kcat, Burrow) tell the truth.
//
// Batcher reads the Subscriber's channels directly, acks each record at once
// and gathers records into micro-batches per partition (BatchConfig): a
// Router would dispatch every record on a goroutine of its own, which costs
// more than the stages themselves.
//
// Inspector (franz-go) asks the brokers about partitions outside the
// consumer group: watermarks, and which offsets of a range hold data records
// (what sluice verify needs to tell Kafka's own gaps from losses).
//
// Both clients speak the TLS and SASL of Config.TLS and Config.SASL: one
// *tls.Config (TLSConfig.Build) and one resolved SASL configuration, handed
// to sarama (SaramaConfig) and to franz-go (NewInspector) by thin adapters;
// the SASL mechanisms are franz-go's. Probe connects once before anything
// starts, so that a refused certificate or password is one SecurityError
// naming the broker and the mechanism instead of a client's endless
// reconnects.
package kafka
