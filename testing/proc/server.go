package proc

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"
)

const (
	// readyTimeout bounds the wait for a started server to answer its
	// readiness URL (generous: test machines are often busy).
	readyTimeout = 60 * time.Second
	// stopTimeout is how long a server has to exit after SIGTERM before it
	// is killed.
	stopTimeout = 10 * time.Second
	// startAttempts is how often Start tries, in case a free port was taken
	// between choosing it and the server binding it.
	startAttempts = 3
	// readyPoll is how often Start asks the readiness URL again.
	readyPoll = 100 * time.Millisecond
)

// Server describes a server process for Start.
type Server struct {
	// Name names the server in messages and the test log ("MinIO").
	Name string
	// Ports is how many free loopback addresses Command gets.
	Ports int
	// Command returns the command that runs the server listening on addrs
	// ("127.0.0.1:PORT", Ports of them). dir is a fresh temporary directory
	// for its data and configuration. Start sets Stdout and Stderr.
	Command func(dir string, addrs []string) (*exec.Cmd, error)
	// ReadyURL returns the URL that answers 200 OK once the server on
	// addrs is ready.
	ReadyURL func(addrs []string) string
	// ReadyClient asks ReadyURL (one that trusts the server's certificate,
	// for HTTPS); nil uses a plain client.
	ReadyClient *http.Client
}

// Start runs the server on free loopback ports, waits (up to a minute)
// until its ReadyURL answers 200 OK, and stops it in t.Cleanup: SIGTERM,
// then SIGKILL after ten seconds. The server's output goes to the test log
// if the test fails. Start makes three attempts, each on new ports (one may
// be taken between choosing it and the server binding it), then fails the
// test. It returns the addresses the server listens on.
func Start(t testing.TB, s Server) []string {
	t.Helper()
	for attempt := 1; ; attempt++ {
		addrs, err := start(t, s)
		if err == nil {
			return addrs
		}
		if attempt == startAttempts {
			t.Fatalf("starting %s: %v", s.Name, err)
		}
		t.Logf("starting %s (attempt %d): %v", s.Name, attempt, err)
	}
}

// start makes one attempt: it runs the server and waits until it is ready,
// or stops it and returns an error that holds its output.
func start(t testing.TB, s Server) ([]string, error) {
	addrs, err := FreeAddrs(s.Ports)
	if err != nil {
		return nil, err
	}
	cmd, err := s.Command(t.TempDir(), addrs)
	if err != nil {
		return nil, err
	}
	out := &Output{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("running %s: %w", cmd.Path, err)
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
	if err := waitReady(t, s.Name, s.ReadyURL(addrs), s.ReadyClient, exited); err != nil {
		stop()
		return nil, fmt.Errorf("%w\n%s output:\n%s", err, s.Name, out)
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", s.Name, out)
		}
	})
	return addrs, nil
}

// waitReady polls url (with base's transport, if set) until it answers 200, the process exits, or
// readyTimeout passes.
func waitReady(t testing.TB, name, url string, base *http.Client, exited <-chan struct{}) error {
	client := &http.Client{Timeout: time.Second}
	if base != nil {
		client.Transport = base.Transport
	}
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("checking whether %s is ready: %w", name, err)
		}
		if resp, err := client.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("%s exited before it was ready", name)
		case <-t.Context().Done():
			return fmt.Errorf("waiting for %s: %w", name, t.Context().Err())
		case <-time.After(readyPoll):
		}
	}
	return fmt.Errorf("%s not ready after %s", name, readyTimeout)
}

// FreeAddrs returns n distinct loopback addresses ("127.0.0.1:PORT") with
// ports that were free a moment ago (all held open together, so none is
// handed out twice).
func FreeAddrs(n int) ([]string, error) {
	if n < 0 {
		return nil, errors.New("finding free ports: negative count")
	}
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
