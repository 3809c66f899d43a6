// Package telemetry holds sluice's OpenTelemetry wiring: the configuration
// (YAML plus the standard OTEL_* variables), the providers it builds (OTLP
// over gRPC or HTTP for traces and metrics, a Prometheus scrape endpoint),
// the instrumentation scope, span names, attribute keys and every metric
// instrument's name, unit and description (metrics.go), and a Watermill
// middleware that runs every handled round in a span of its stage.
//
// With nothing configured the providers are no-ops, and instrumented code
// costs next to nothing per record.
package telemetry
