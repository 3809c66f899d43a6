package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// maxOutput caps the output of a child kept for error messages.
const maxOutput = 64 << 10

// usage is what a finished child process cost.
type usage struct {
	// Wall is from the start to the moment the measurement ended (all
	// records consumed or durable), not to the process's exit.
	Wall time.Duration
	// CPU is user plus system time of the whole process life.
	CPU time.Duration
	// MaxRSSKiB is the peak resident set size.
	MaxRSSKiB int64
}

// child is a measured child process.
type child struct {
	name   string
	cmd    *exec.Cmd
	start  time.Time
	out    *tail
	exited chan struct{}
	err    error // Wait's error, once exited is closed
}

// startChild starts bin with args. stdout may be nil (it then goes to the
// kept output, like stderr). The environment is the harness's, less every
// OTEL_* variable, plus env.
func startChild(name, bin string, args, env []string, stdout io.Writer) (*child, error) {
	c := &child{name: name, out: &tail{}, exited: make(chan struct{})}
	c.cmd = exec.Command(bin, args...)
	c.cmd.Env = append(cleanEnv(), env...)
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if stdout != nil {
		c.cmd.Stdout = stdout
	}
	c.start = time.Now()
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

// cleanEnv is the harness's environment without OTEL_* variables, which
// would turn on telemetry in the measured programs.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OTEL_") {
			env = append(env, kv)
		}
	}
	return env
}

// wait waits for the process to exit on its own, up to timeout, and
// returns its exit error.
func (c *child) wait(timeout time.Duration) error {
	select {
	case <-c.exited:
		return c.exitErr()
	case <-time.After(timeout):
		_ = c.cmd.Process.Kill()
		<-c.exited
		return fmt.Errorf("%s did not finish within %s; killed it\n%s", c.name, timeout, c.out)
	}
}

// stop sends SIGTERM and waits for the exit (killing it after timeout).
func (c *child) stop(timeout time.Duration) error {
	select {
	case <-c.exited:
		return c.exitErr()
	default:
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signalling %s: %w", c.name, err)
	}
	return c.wait(timeout)
}

// kill ends the process at once; for clean-up after a failure.
func (c *child) kill() {
	select {
	case <-c.exited:
	default:
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
}

// running reports whether the process has not exited yet.
func (c *child) running() bool {
	select {
	case <-c.exited:
		return false
	default:
		return true
	}
}

func (c *child) exitErr() error {
	if c.err != nil {
		return fmt.Errorf("%s: %w\n%s", c.name, c.err, c.out)
	}
	return nil
}

// usage returns what the exited process cost, with wall as its wall time.
func (c *child) usage(wall time.Duration) usage {
	ps := c.cmd.ProcessState
	return usage{Wall: wall, CPU: ps.UserTime() + ps.SystemTime(), MaxRSSKiB: maxRSSKiB(ps)}
}

// tail keeps the last maxOutput bytes written to it.
type tail struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if extra := t.buf.Len() - maxOutput; extra > 0 {
		t.buf.Next(extra)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
