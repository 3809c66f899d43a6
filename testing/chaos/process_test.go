//go:build chaos

package chaos

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// crashLine is what the crash hook (pipeline.EnvCrashBeforeCommit) writes
// just before the process kills itself.
const crashLine = "killing this process before committing round"

// proc is one `sluice run` process. Its fields are only touched from the
// test goroutine, except done and waitErr, which its wait goroutine sets.
type proc struct {
	id     int
	cmd    *exec.Cmd
	crashy bool // started with the crash-before-commit hook
	paused bool
	// stopping is set once the process got SIGTERM: a second signal would
	// make it quit at once.
	stopping bool
	// cut is set while a Kafka partition cuts the process off the broker.
	cut     bool
	resume  time.Time // when a paused process gets SIGCONT
	disk    *disk     // the tmpfs its buffer directory is on
	stderr  string    // path of its stderr file
	done    chan struct{}
	waitErr error
}

// alive reports whether the process has not exited yet.
func (p *proc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// signal sends sig; a process that already exited is not an error.
func (p *proc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	// A process that died by itself (the crash hook) may not be reaped yet:
	// Signal then says it is done before p.done is closed.
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) && p.alive() {
		t.Errorf("signalling sluice #%d with %v: %v", p.id, sig, err)
	}
}

// waitExit waits up to timeout for the process to exit; it reports whether
// it did.
func (p *proc) waitExit(timeout time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(timeout):
		return false
	}
}

// assignedLine is what sluice logs when the group assigns it partitions.
const assignedLine = "partitions assigned"

// readyLine is what sluice logs once it runs, its signal handlers installed.
const readyLine = "sluice running"

// ready reports whether the process logged readyLine: before that, SIGTERM
// would kill it the default way instead of stopping it gracefully.
func (p *proc) ready() bool { return strings.Contains(p.output(), readyLine) }

// waitReady waits up to timeout for readyLine; it reports whether it came.
func (p *proc) waitReady(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for !p.ready() {
		if !p.alive() || time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

// output returns what the process wrote to stderr so far.
func (p *proc) output() string {
	b, _ := os.ReadFile(p.stderr)
	return string(b)
}

// tail returns the last n lines of the process's stderr.
func (p *proc) tail(n int) string {
	lines := strings.Split(strings.TrimRight(p.output(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// describe names the process and how it ended.
func (p *proc) describe() string {
	kind := "healthy"
	if p.crashy {
		kind = "crash-hook"
	}
	state := "running"
	if !p.alive() {
		state = "exited"
		if p.cmd.ProcessState != nil {
			state = p.cmd.ProcessState.String()
		}
		if strings.Contains(p.output(), crashLine) {
			state += ", crash hook fired before a commit"
		}
	}
	return fmt.Sprintf("sluice #%d (pid %d, %s, %s)", p.id, p.cmd.Process.Pid, kind, state)
}

// clientID is the Kafka client id of process id: the broker's group
// description names the process holding each member's partitions.
func clientID(id int) string { return fmt.Sprintf("sluice-chaos-%02d", id) }

// startProc starts `sluice run` with its own config and stderr file, its
// buffer directory on a tmpfs no running process uses, and a
// buffer.max_disk drawn from maxDisks. The process is killed in t.Cleanup
// if still running.
func startProc(t *testing.T, h *harness, crashy bool) *proc {
	t.Helper()
	h.nextID++
	id := h.nextID
	dir := filepath.Join(h.dir, fmt.Sprintf("sluice-%02d", id))
	require.NoError(t, os.MkdirAll(dir, 0o755))
	cfg := filepath.Join(dir, "sluice.yaml")
	disk, maxDisk := h.takeDisk(), maxDisks[h.rng.IntN(len(maxDisks))]
	require.NoError(t, os.WriteFile(cfg, []byte(h.config(disk.bufferDir(), maxDisk, clientID(id))), 0o644))
	errPath := filepath.Join(dir, "stderr.log")
	errFile, err := os.Create(errPath)
	require.NoError(t, err)

	cmd := exec.Command(binary, "run", "-c", cfg)
	cmd.Stdout = &bytes.Buffer{}
	cmd.Stderr = errFile
	var filter *debugFilter
	if maxDisk == smallMaxDisk { // it logs at debug level
		filter = &debugFilter{w: errFile}
		cmd.Stderr = filter
	}
	cmd.Env = os.Environ()
	if crashy {
		cmd.Env = append(cmd.Env,
			"SLUICE_TEST_CRASH_BEFORE_COMMIT=0.3",
			fmt.Sprintf("SLUICE_TEST_FAULT_SEED=%d", h.seed*1000+uint64(id)))
	}
	require.NoError(t, cmd.Start(), "starting sluice #%d", id)
	p := &proc{id: id, cmd: cmd, crashy: crashy, stderr: errPath, done: make(chan struct{}), disk: disk}
	disk.user = p
	if maxDisk == "" {
		maxDisk = "default"
	}
	h.logf("sluice #%d: buffer dir on %s, max_disk %s", id, disk.mount, maxDisk)
	go func() {
		p.waitErr = cmd.Wait() // waits for the filter's writes too
		if filter != nil {
			filter.flush()
		}
		errFile.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		if p.alive() {
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	h.procs = append(h.procs, p)
	return p
}

// keepLogs copies every process's stderr and the broker's output to dir.
func (h *harness) keepLogs(dir string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		h.t.Errorf("keeping the logs: %v", err)
		return
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			h.t.Errorf("keeping the logs: %v", err)
		}
	}
	for _, p := range h.procs {
		write(fmt.Sprintf("sluice-%02d.log", p.id), p.describe()+"\n"+p.output())
	}
	write("broker.log", h.broker.Output())
	h.logf("logs kept in %s", dir)
}
