// Package otlpmetrics is a real OTLP metrics receiver for tests, built on the
// official OTLP protobufs (go.opentelemetry.io/proto/otlp): it serves
// OTLP/gRPC and OTLP/HTTP on free loopback ports, keeps the last export
// requests it received (a bounded ring), and finds data points by metric name
// and attributes, so a test can check what a program exported.
//
// Exports arrive asynchronously, on the exporter's interval or on
// ForceFlush; WaitLatest waits for a point that satisfies a condition.
package otlpmetrics
