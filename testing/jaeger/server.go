package jaeger

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// readyTimeout bounds the wait for a started Jaeger to report healthy
	// (generous: test machines are often busy).
	readyTimeout = 60 * time.Second
	// stopTimeout is how long Jaeger has to exit after SIGTERM before it is
	// killed.
	stopTimeout = 10 * time.Second
	// startAttempts is how often Start tries, in case a free port was taken
	// between choosing it and Jaeger binding it.
	startAttempts = 3
	// maxOutput caps the process output kept for the test log.
	maxOutput = 1 << 20
)

// Jaeger is a running Jaeger v2 with an in-memory trace store.
type Jaeger struct {
	ports  ports
	client *http.Client
	out    *output
}

// Start starts Jaeger v2 on free loopback ports (OTLP gRPC and HTTP, query
// HTTP and gRPC, health check) with an in-memory store, waits until every
// component reports healthy, and stops it (SIGTERM, then SIGKILL) in
// t.Cleanup. If the binary cannot be found or built, the test is skipped,
// unless $CI is set: then it fails. Jaeger's output goes to the test log if
// the test fails.
func Start(t testing.TB) *Jaeger {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("Jaeger is not available (set $%s or allow building it): %v", EnvBinary, err)
		}
		t.Fatalf("Jaeger is required when CI is set: %v", err)
	}
	for attempt := 1; ; attempt++ {
		j, err := start(t, bin)
		if err == nil {
			return j
		}
		if attempt == startAttempts {
			t.Fatalf("starting Jaeger: %v", err)
		}
		t.Logf("starting Jaeger (attempt %d): %v", attempt, err)
	}
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

func start(t testing.TB, bin string) (*Jaeger, error) {
	addrs, err := freeAddrs(5)
	if err != nil {
		return nil, err
	}
	p := ports{
		OTLPGRPC: addrs[0], OTLPHTTP: addrs[1],
		QueryHTTP: addrs[2], QueryGRPC: addrs[3],
		Health: addrs[4], MaxTraces: MaxTraces,
	}
	config, err := writeConfig(t.TempDir(), p)
	if err != nil {
		return nil, err
	}
	j := &Jaeger{ports: p, client: &http.Client{Timeout: 10 * time.Second}, out: &output{}}
	cmd := exec.Command(bin, "--config", config)
	cmd.Stdout, cmd.Stderr = j.out, j.out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("running %s: %w", bin, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	stop := func() {
		if runtime.GOOS == "windows" || cmd.Process.Signal(syscall.SIGTERM) != nil {
			_ = cmd.Process.Kill()
		}
		select {
		case <-exited:
		case <-time.After(stopTimeout):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	if err := j.waitReady(t, exited); err != nil {
		stop()
		return nil, fmt.Errorf("%w\nJaeger output:\n%s", err, j.out)
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("Jaeger output:\n%s", j.out)
		}
	})
	return j, nil
}

// waitReady polls the health check until it answers 200: healthcheckv2
// answers 503 until every component, receivers included, has started.
func (j *Jaeger) waitReady(t testing.TB, exited <-chan struct{}) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("jaeger exited before it was ready")
		default:
		}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+j.ports.Health+"/status", nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("jaeger not ready after %s", readyTimeout)
}

// freeAddrs returns n distinct loopback addresses with ports that were free
// a moment ago (all held open together, so none is handed out twice).
func freeAddrs(n int) ([]string, error) {
	addrs := make([]string, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port: %w", err)
		}
		defer func() { _ = l.Close() }()
		addrs = append(addrs, "127.0.0.1:"+strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	}
	return addrs, nil
}

// output keeps the last maxOutput bytes a process writes.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	if extra := o.buf.Len() - maxOutput; extra > 0 {
		o.buf.Next(extra)
	}
	return len(p), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}
