package schemaregistry

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sluicehq/sluice/testing/proc"
)

// Package is the import path of the command Build compiles.
const Package = "github.com/sluicehq/sluice/testing/cmd/schemaregistry"

const (
	// readyTimeout bounds the wait for a started registry to listen.
	readyTimeout = 30 * time.Second
	// stopTimeout is how long the registry has to exit after SIGTERM.
	stopTimeout = 10 * time.Second
)

var build struct {
	once sync.Once
	path string
	err  error
}

// Build compiles the schemaregistry command, once per test process, and
// returns the binary's path. It fails the test if the build fails.
func Build(t testing.TB) string {
	t.Helper()
	build.once.Do(func() { build.path, build.err = proc.BuildGo(Package, "schemaregistry") })
	if build.err != nil {
		t.Fatalf("building schemaregistry: %v", build.err)
	}
	return build.path
}

// Options configure a registry process.
type Options struct {
	// Auth is the Authorization header every request must carry
	// ("Bearer t0ken"); empty: none.
	Auth string
}

// Process is a running (or stopped) schemaregistry process. Its methods
// are safe for concurrent use.
type Process struct {
	url string
	out *proc.Output

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// Start runs a registry on a free loopback port and waits until it
// listens. It is stopped in t.Cleanup.
func Start(t testing.TB, opts Options) *Process {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready")
	args := []string{"-addr", "127.0.0.1:0", "-ready-file", ready}
	if opts.Auth != "" {
		args = append(args, "-auth", opts.Auth)
	}
	p := &Process{out: &proc.Output{}, exited: make(chan struct{})}
	p.cmd = exec.Command(Build(t), args...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("running schemaregistry: %v", err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = p.Stop()
		if t.Failed() {
			t.Logf("schemaregistry output:\n%s", p.out)
		}
	})
	deadline := time.Now().Add(readyTimeout)
	for {
		if b, err := os.ReadFile(ready); err == nil && len(b) > 0 {
			p.url = string(b)
			return p
		}
		select {
		case <-p.exited:
			t.Fatalf("schemaregistry exited before listening:\n%s", p.out)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("schemaregistry not listening after %s:\n%s", readyTimeout, p.out)
		}
	}
}

// URL returns the registry's base URL ("http://127.0.0.1:PORT").
func (p *Process) URL() string { return p.url }

// ErrNotRunning is returned by Stop when the registry is not running.
var ErrNotRunning = errors.New("schemaregistry is not running")

// Stop sends SIGTERM and waits for the process to exit (killing it after a
// timeout). The registry's schemas are gone with it.
func (p *Process) Stop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.exited:
		return ErrNotRunning
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signalling schemaregistry: %w", err)
	}
	select {
	case <-p.exited:
		return nil
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("schemaregistry did not exit within %s of SIGTERM; killed it", stopTimeout)
	}
}
