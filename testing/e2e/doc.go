// Package e2e runs the whole pipeline against a real Kafka-protocol broker
// (kfake, in-process) and real stores (a local directory, MinIO as its own
// process), then reads the archive back independently.
package e2e
