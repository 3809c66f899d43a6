package broker

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sluicehq/sluice/testing/proc"
)

const (
	// readyTimeout bounds the wait for a started broker to listen.
	readyTimeout = 30 * time.Second
	// stopTimeout is how long a broker has to exit after SIGTERM before it
	// is killed.
	stopTimeout = 15 * time.Second
	// restartAttempts is how often Restart tries to bind the old address,
	// which a client connection may briefly still hold.
	restartAttempts = 20
)

// ErrNotRunning is returned by Stop and Kill when the broker is not running.
var ErrNotRunning = errors.New("broker is not running")

// Options configure a broker process.
type Options struct {
	// Topics maps topic names to partition counts; they are created when
	// the data directory is fresh.
	Topics map[string]int32
	// DataDir keeps the broker's state across restarts. Empty means a new
	// directory under t.TempDir().
	DataDir string
	// Addr is the listen address; empty means "127.0.0.1:0" (a free port).
	// Restart reuses the port the broker got.
	Addr string
	// NoSync turns off the fsync of every produced batch (-sync=false):
	// faster, and still safe against SIGKILL, but not against a machine
	// crash.
	NoSync bool
	// Args are extra command-line flags for kafkabroker.
	Args []string
}

// Process is a running (or stopped) kafkabroker process. Its methods are
// safe for concurrent use.
type Process struct {
	bin  string
	opts Options
	out  *proc.Output

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been waited for
	err    error         // cmd's exit error, once exited is closed
	addr   string
}

// Start builds kafkabroker (once per test process), starts it and waits
// until it listens. The process is stopped in t.Cleanup; its output goes to
// the test log if the test fails.
func Start(t testing.TB, opts Options) *Process {
	t.Helper()
	if opts.DataDir == "" {
		opts.DataDir = filepath.Join(t.TempDir(), "kafka")
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	p := &Process{bin: Build(t), opts: opts, out: &proc.Output{}}
	t.Cleanup(func() {
		_ = p.Stop()
		if t.Failed() {
			t.Logf("kafkabroker output:\n%s", p.out)
		}
	})
	if err := p.start(t, opts.Addr); err != nil {
		t.Fatalf("starting kafkabroker: %v\noutput:\n%s", err, p.out)
	}
	return p
}

// Addr returns the broker's address (host:port), for clients' seed brokers.
// It stays the same across Restart.
func (p *Process) Addr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.addr
}

// DataDir returns the directory the broker keeps its state in.
func (p *Process) DataDir() string { return p.opts.DataDir }

// Output returns what the broker has written to stderr (the last MiB).
func (p *Process) Output() string { return p.out.String() }

// Running reports whether the process is running.
func (p *Process) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// Stop sends SIGTERM, which makes the broker save its state and exit, and
// waits for it (killing it after a timeout). It returns the process's exit
// error, if any, or ErrNotRunning.
func (p *Process) Stop() error { return p.signal(syscall.SIGTERM, stopTimeout) }

// Kill sends SIGKILL and waits for the process to die. It returns
// ErrNotRunning if the process was not running.
func (p *Process) Kill() error {
	err := p.signal(syscall.SIGKILL, stopTimeout)
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return nil // killed, as asked
	}
	return err
}

// Restart stops the broker with SIGTERM if it is running, then starts it
// again on the same address and data directory and waits until it listens.
// It fails the test if the broker does not come back.
func (p *Process) Restart(t testing.TB) {
	t.Helper()
	if err := p.Stop(); err != nil && !errors.Is(err, ErrNotRunning) {
		t.Logf("stopping kafkabroker for a restart: %v", err)
	}
	addr := p.Addr()
	var err error
	for range restartAttempts {
		if err = p.start(t, addr); err == nil {
			return
		}
		time.Sleep(250 * time.Millisecond) // the port may still be held
	}
	t.Fatalf("restarting kafkabroker on %s: %v\noutput:\n%s", addr, err, p.out)
}

// start runs the binary on addr and waits for its ready file.
func (p *Process) start(t testing.TB, addr string) error {
	ready := filepath.Join(t.TempDir(), "ready")
	args := []string{
		"-addr", addr,
		"-data-dir", p.opts.DataDir,
		"-ready-file", ready,
		"-sync=" + strconv.FormatBool(!p.opts.NoSync),
	}
	if len(p.opts.Topics) > 0 {
		args = append(args, "-topics", topicsFlag(p.opts.Topics))
	}
	args = append(args, p.opts.Args...)
	cmd := exec.Command(p.bin, args...)
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("running %s: %w", p.bin, err)
	}
	exited := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.exited, p.err = cmd, exited, nil
	p.mu.Unlock()
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(exited)
	}()

	deadline := time.Now().Add(readyTimeout)
	for {
		if b, err := os.ReadFile(ready); err == nil && len(b) > 0 {
			p.mu.Lock()
			p.addr = string(b)
			p.mu.Unlock()
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("kafkabroker exited before listening: %w", p.exitErr())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = p.Kill()
			return fmt.Errorf("kafkabroker not listening after %s", readyTimeout)
		}
	}
}

// signal sends sig and waits up to timeout for the process to exit, then
// kills it.
func (p *Process) signal(sig syscall.Signal, timeout time.Duration) error {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	if cmd == nil {
		return ErrNotRunning
	}
	select {
	case <-exited:
		return ErrNotRunning
	default:
	}
	if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signalling kafkabroker: %w", err)
	}
	select {
	case <-exited:
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-exited
		return fmt.Errorf("kafkabroker did not exit within %s of %s; killed it", timeout, sig)
	}
	return p.exitErr()
}

func (p *Process) exitErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// topicsFlag formats topics as kafkabroker's -topics value, sorted.
func topicsFlag(topics map[string]int32) string {
	items := make([]string, 0, len(topics))
	for name, n := range topics {
		items = append(items, name+":"+strconv.Itoa(int(n)))
	}
	sort.Strings(items)
	return strings.Join(items, ",")
}
