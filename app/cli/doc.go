// Package cli is the sluice command line: it archives Kafka topics to S3 (or
// a local directory) exactly once, as Hive-partitioned Parquet or JSON-lines
// files. cmd/sluice is this package's Main and nothing else.
//
// Usage:
//
//	sluice run -c sluice.yaml        archive until SIGINT or SIGTERM
//	sluice validate -c sluice.yaml   check a configuration (--print shows it with defaults)
//	sluice demo                      archive generated events from an in-process Kafka
//
// Exit codes: 0 after a clean stop, 1 on a runtime error (an unreachable
// broker or store, an unknown topic), 2 on an invalid configuration or
// command line, 128+N when a second signal N interrupts a graceful shutdown
// (130 for a second Ctrl-C): what was buffered and not committed is then read
// again from Kafka on the next start, so nothing is lost.
//
// The command is one program built on the pipeline package; programs of
// their own can assemble the same pipeline with other stages.
package cli
