package cli_test

import (
	"io"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/testing/kafkatest"
)

// TestRunServesHealth: sluice run serves /healthz and /readyz at
// health.listen, on a server of its own or on the Prometheus endpoint when
// that has the same address; both answer 200 once the process joined the
// group.
func TestRunServesHealth(t *testing.T) {
	for _, shared := range []bool{false, true} {
		name := map[bool]string{false: "own listener", true: "shared with prometheus"}[shared]
		t.Run(name, func(t *testing.T) {
			kc := kafkatest.Start(t, 2, "events")
			file, _ := runConfig(t, kc.Brokers(), "events", "{}")
			addr := closedPort(t)
			extra := "health:\n  listen: " + addr + "\n"
			if shared {
				extra += "telemetry:\n  metrics:\n    exporters: [prometheus]\n    prometheus_listen: " + addr + "\n"
			}
			f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
			require.NoError(t, err)
			_, err = f.WriteString(extra)
			require.NoError(t, err)
			require.NoError(t, f.Close())

			p := startSluice(t, "run", "-c", file)
			if shared {
				p.waitLine(t, "serving health probes on the Prometheus endpoint", 30*time.Second)
			} else {
				p.waitLine(t, "serving health probes", 30*time.Second)
			}
			get := func(path string) (int, string) {
				resp, err := http.Get("http://" + addr + path)
				if err != nil {
					return 0, err.Error()
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(body)
			}
			require.Eventually(t, func() bool { code, _ := get("/readyz"); return code == http.StatusOK },
				30*time.Second, 50*time.Millisecond, "readyz never 200")
			code, body := get("/healthz")
			assert.Equal(t, http.StatusOK, code, body)
			assert.JSONEq(t, `{"status":"ok","checks":[{"name":"routers","ok":true}]}`, body)
			code, body = get("/metrics")
			if shared {
				assert.Equal(t, http.StatusOK, code)
				assert.Contains(t, body, "sluice_")
			} else {
				assert.Equal(t, http.StatusNotFound, code)
			}

			require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
			r := p.wait(t, 60*time.Second)
			require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
		})
	}
}
