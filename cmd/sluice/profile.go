package main

import (
	"errors"
	"fmt"
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

// start starts the CPU profile, if asked for. The returned stop function
// ends it and writes the heap profile; it must be called once.
func (p profileFlags) start() (stop func() error, err error) {
	var cpu, tr *os.File
	if p.cpu != "" {
		if cpu, err = os.Create(p.cpu); err != nil {
			return nil, &exitError{code: exitUsage, err: fmt.Errorf("creating the CPU profile: %w", err)}
		}
		if err := pprof.StartCPUProfile(cpu); err != nil {
			_ = cpu.Close()
			return nil, &exitError{code: exitRuntime, err: fmt.Errorf("starting the CPU profile: %w", err)}
		}
	}
	if p.trace != "" {
		if tr, err = os.Create(p.trace); err != nil {
			return nil, &exitError{code: exitUsage, err: fmt.Errorf("creating the execution trace: %w", err)}
		}
		if err := trace.Start(tr); err != nil {
			_ = tr.Close()
			return nil, &exitError{code: exitRuntime, err: fmt.Errorf("starting the execution trace: %w", err)}
		}
	}
	return func() error {
		var errs []error
		if tr != nil {
			trace.Stop()
			if err := tr.Close(); err != nil {
				errs = append(errs, fmt.Errorf("writing the execution trace: %w", err))
			}
		}
		if cpu != nil {
			pprof.StopCPUProfile()
			if err := cpu.Close(); err != nil {
				errs = append(errs, fmt.Errorf("writing the CPU profile: %w", err))
			}
		}
		if p.mem != "" {
			errs = append(errs, writeHeapProfile(p.mem))
		}
		return errors.Join(errs...)
	}, nil
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
