package jaeger

import (
	"net/http"
	"os/exec"
	"testing"
	"time"

	"github.com/sluicehq/sluice/testing/proc"
)

// Jaeger is a running Jaeger v2 with an in-memory trace store.
type Jaeger struct {
	ports  ports
	client *http.Client
}

// Start starts Jaeger v2 on free loopback ports (OTLP gRPC and HTTP, query
// HTTP and gRPC, health check) with an in-memory store, waits until every
// component reports healthy, and stops it (SIGTERM, then SIGKILL) in
// t.Cleanup. If the binary cannot be found or built, the test is skipped,
// unless $CI is set: then it fails. Jaeger's output goes to the test log if
// the test fails.
func Start(t testing.TB) *Jaeger {
	t.Helper()
	bin := tool.Require(t)
	addrs := proc.Start(t, proc.Server{
		Name:  "Jaeger",
		Ports: 5,
		Command: func(dir string, addrs []string) (*exec.Cmd, error) {
			config, err := writeConfig(dir, portsOf(addrs))
			if err != nil {
				return nil, err
			}
			return exec.Command(bin, "--config", config), nil
		},
		// healthcheckv2 answers 503 until every component, receivers
		// included, has started.
		ReadyURL: func(addrs []string) string { return "http://" + portsOf(addrs).Health + "/status" },
	})
	return &Jaeger{ports: portsOf(addrs), client: &http.Client{Timeout: 10 * time.Second}}
}

// OTLPEndpoint returns the OTLP/gRPC receiver's address ("127.0.0.1:PORT",
// plaintext), as otlptracegrpc.WithEndpoint takes it.
func (j *Jaeger) OTLPEndpoint() string { return j.ports.OTLPGRPC }

// OTLPHTTPEndpoint returns the OTLP/HTTP receiver's address
// ("127.0.0.1:PORT", plaintext; traces go to /v1/traces), as
// otlptracehttp.WithEndpoint takes it.
func (j *Jaeger) OTLPHTTPEndpoint() string { return j.ports.OTLPHTTP }

// QueryURL returns the base URL of the query service ("http://127.0.0.1:PORT"):
// the UI, the api_v3 HTTP API under /api/v3 and the classic /api/traces.
func (j *Jaeger) QueryURL() string { return "http://" + j.ports.QueryHTTP }

// portsOf assigns the five addresses Start chose to Jaeger's listeners.
func portsOf(addrs []string) ports {
	return ports{
		OTLPGRPC: addrs[0], OTLPHTTP: addrs[1],
		QueryHTTP: addrs[2], QueryGRPC: addrs[3],
		Health: addrs[4], MaxTraces: MaxTraces,
	}
}
