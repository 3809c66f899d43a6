// Package jaeger starts a real Jaeger v2 (the OpenTelemetry-Collector-based
// Jaeger) as a child process, for tests that export traces over OTLP and
// read them back through Jaeger's query API. The binary is built once from
// the Go module proxy and cached (see Binary).
//
// Each Jaeger started with Start listens on its own free loopback ports and
// stores traces in memory, so tests can run in parallel. Traces are read
// through the api_v3 HTTP API (/api/v3/traces), which returns OTLP/JSON:
// unlike the classic /api/traces it keeps span kinds, resource attributes
// and link attributes. Spans reach the store asynchronously after export;
// WaitTrace and WaitTraces poll until a condition holds.
package jaeger
