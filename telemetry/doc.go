// Package telemetry holds sluice's OpenTelemetry names and the pieces that
// attach them to the pipeline: the instrumentation scope, one span name per
// stage, the attribute keys, and a Watermill middleware that runs every
// handled message in a span of its stage.
//
// sluice uses the global providers (otel.GetTracerProvider) unless a program
// injects its own; with none installed every call is a no-op. Exporters
// (OTLP, Jaeger), sampling and metrics instruments are issue #4.
package telemetry
