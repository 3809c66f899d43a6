package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"

	"github.com/spf13/cobra"
)

// profileFlags are the hidden profiling flags of "sluice run", used by the
// benchmark harness (testing/bench).
type profileFlags struct {
	cpu   string
	mem   string
	trace string
}

// addProfileFlags adds --cpuprofile, --memprofile and --trace, hidden: they
// are for benchmarks, not for operators.
func addProfileFlags(cmd *cobra.Command, p *profileFlags) {
	cmd.Flags().StringVar(&p.cpu, "cpuprofile", "", "write a pprof CPU profile of the run to this file")
	cmd.Flags().StringVar(&p.mem, "memprofile", "", "write a pprof heap profile (with allocations) to this file at exit")
	cmd.Flags().StringVar(&p.trace, "trace", "", "write a Go execution trace of the run to this file (go tool trace)")
	_ = cmd.Flags().MarkHidden("cpuprofile")
	_ = cmd.Flags().MarkHidden("memprofile")
	_ = cmd.Flags().MarkHidden("trace")
}

// start starts the CPU profile and the execution trace, if asked for. The
// returned stop function ends them and writes the heap profile; it must be
// called once.
func (p profileFlags) start() (stop func() error, err error) {
	cpu, err := record(p.cpu, "CPU profile", pprof.StartCPUProfile, pprof.StopCPUProfile)
	if err != nil {
		return nil, err
	}
	tr, err := record(p.trace, "execution trace", trace.Start, trace.Stop)
	if err != nil {
		_ = cpu.end()
		return nil, err
	}
	return func() error {
		errs := []error{tr.end(), cpu.end()}
		if p.mem != "" {
			errs = append(errs, writeHeapProfile(p.mem))
		}
		return errors.Join(errs...)
	}, nil
}

// recording is a CPU profile or an execution trace being written to a file.
type recording struct {
	what string
	file *os.File
	stop func()
}

// record creates path and starts a recording into it with start; stop ends
// it. An empty path records nothing (a nil *recording).
func record(path, what string, start func(io.Writer) error, stop func()) (*recording, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: fmt.Errorf("creating the %s: %w", what, err)}
	}
	if err := start(f); err != nil {
		_ = f.Close()
		return nil, &exitError{code: exitRuntime, err: fmt.Errorf("starting the %s: %w", what, err)}
	}
	return &recording{what: what, file: f, stop: stop}, nil
}

// end stops the recording and closes its file; on a nil recording it does
// nothing.
func (r *recording) end() error {
	if r == nil {
		return nil
	}
	r.stop()
	if err := r.file.Close(); err != nil {
		return fmt.Errorf("writing the %s: %w", r.what, err)
	}
	return nil
}

// writeHeapProfile writes the heap profile (in-use and allocated) to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("creating the heap profile: %w", err)
	}
	runtime.GC() // up-to-date in-use figures
	werr := pprof.Lookup("allocs").WriteTo(f, 0)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return fmt.Errorf("writing the heap profile: %w", err)
	}
	return nil
}
