package jaeger

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"text/template"
)

// MaxTraces caps the traces the in-memory store of a started Jaeger holds;
// the oldest are evicted beyond it.
const MaxTraces = 10000

// ports are the loopback addresses a Jaeger instance listens on.
type ports struct {
	OTLPGRPC, OTLPHTTP   string // OTLP receivers
	QueryHTTP, QueryGRPC string // jaeger_query: UI, /api/v3, /api/traces; api_v3 gRPC
	Health               string // healthcheckv2 HTTP (/status)
	MaxTraces            int
}

// configTemplate is a Jaeger v2 (OpenTelemetry Collector) configuration for
// tests: the all-in-one shape (cmd/jaeger/internal/all-in-one.yaml of the
// module) cut down to an OTLP receiver, the memory store and the query
// extension, every listener on a port of our choosing. It leaves out what
// would bind a fixed port or talk to the outside:
//   - the Jaeger, Zipkin receivers and remote_sampling;
//   - the collector's own metrics (a Prometheus reader on :8888 by default):
//     level none;
//   - jaeger_query's self-tracing (on by default in v2, exporting over OTLP
//     to localhost:4317, possibly a developer's Jaeger): enable_tracing false.
//
// No batch processor: spans reach the store as soon as they are received.
var configTemplate = template.Must(template.New("config").Parse(`
service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: info

extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: "{{.Health}}"
  jaeger_query:
    enable_tracing: false
    storage:
      traces: memstore
    http:
      endpoint: "{{.QueryHTTP}}"
    grpc:
      endpoint: "{{.QueryGRPC}}"
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: {{.MaxTraces}}

receivers:
  otlp:
    protocols:
      grpc:
        endpoint: "{{.OTLPGRPC}}"
      http:
        endpoint: "{{.OTLPHTTP}}"

exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`))

// writeConfig renders the configuration for p into a file in dir.
func writeConfig(dir string, p ports) (string, error) {
	var buf bytes.Buffer
	if err := configTemplate.Execute(&buf, p); err != nil {
		return "", fmt.Errorf("rendering the Jaeger config: %w", err)
	}
	path := filepath.Join(dir, "jaeger.yaml")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return "", fmt.Errorf("writing the Jaeger config: %w", err)
	}
	return path, nil
}
