package cli_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// binary is the sluice binary TestMain builds, run as a subprocess by the
// tests.
var binary string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "sluice-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "sluice")
	args := []string{"build", "-o", binary}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "../../cmd/sluice")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building sluice: %v\n", err)
		return 1
	}
	return m.Run()
}

// result is what a finished sluice process left.
type result struct {
	code           int
	stdout, stderr string
}

// lastLine is the last line of stderr: where sluice prints its error.
func (r result) lastLine() string {
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	return lines[len(lines)-1]
}

// sluice runs the binary with args to completion (bounded by timeout) and
// returns its exit code and output.
func sluice(t *testing.T, timeout time.Duration, args ...string) result {
	t.Helper()
	p := startSluice(t, args...)
	return p.wait(t, timeout)
}

// process is a sluice process running in the background.
type process struct {
	cmd     *exec.Cmd
	stdout  bytes.Buffer
	mu      sync.Mutex
	stderr  bytes.Buffer
	lines   chan string // stderr lines, as they come
	done    chan struct{}
	waitErr error
}

func startSluice(t *testing.T, args ...string) *process {
	t.Helper()
	return startProgram(t, binary, args...)
}

// startProgram starts the program at path (sluice, or a custom build of
// it) with args.
func startProgram(t *testing.T, path string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(path, args...), lines: make(chan string, 1024), done: make(chan struct{})}
	p.cmd.Stdout = &p.stdout
	pr, pw := io.Pipe()
	p.cmd.Stderr = pw
	require.NoError(t, p.cmd.Start())
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			p.mu.Lock()
			p.stderr.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			select {
			case p.lines <- sc.Text():
			default: // nobody waits for lines this far
			}
		}
		close(p.lines)
	}()
	go func() {
		p.waitErr = p.cmd.Wait()
		pw.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// waitLine waits for a stderr line containing substr.
func (p *process) waitLine(t *testing.T, substr string, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("sluice exited before logging %q; stderr:\n%s", substr, p.stderrText())
			}
			if strings.Contains(line, substr) {
				return
			}
		case <-deadline:
			t.Fatalf("sluice did not log %q within %s; stderr:\n%s", substr, timeout, p.stderrText())
		}
	}
}

func (p *process) stderrText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// stopGracefully sends SIGTERM and requires the process to exit 0 within a
// minute (sealed, uploaded and committed what it buffered).
func (p *process) stopGracefully(t *testing.T) result {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	r := p.wait(t, 60*time.Second)
	require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
	return r
}

// wait waits for the process to exit and returns what it left.
func (p *process) wait(t *testing.T, timeout time.Duration) result {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("sluice did not exit within %s; stderr:\n%s", timeout, p.stderrText())
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(p.waitErr, &ee) {
		code = ee.ExitCode()
	} else {
		require.NoError(t, p.waitErr)
	}
	// Drain the stderr reader: the pipe is closed once the process exited.
	for range p.lines {
	}
	return result{code: code, stdout: p.stdout.String(), stderr: p.stderrText()}
}

// writeFile writes content to name in a new temporary directory and returns
// its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}
