package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// profileFlags are the hidden profiling flags of "sluice run", used by the
// benchmark harness (testing/bench).
type profileFlags struct {
	cpu string
	mem string
}

// addProfileFlags adds --cpuprofile and --memprofile, hidden: they are for
// benchmarks, not for operators.
func addProfileFlags(cmd *cobra.Command, p *profileFlags) {
	cmd.Flags().StringVar(&p.cpu, "cpuprofile", "", "write a pprof CPU profile of the run to this file")
	cmd.Flags().StringVar(&p.mem, "memprofile", "", "write a pprof heap profile (with allocations) to this file at exit")
	_ = cmd.Flags().MarkHidden("cpuprofile")
	_ = cmd.Flags().MarkHidden("memprofile")
}

// start starts the CPU profile, if asked for. The returned stop function
// ends it and writes the heap profile; it must be called once.
func (p profileFlags) start() (stop func() error, err error) {
	var cpu *os.File
	if p.cpu != "" {
		if cpu, err = os.Create(p.cpu); err != nil {
			return nil, &exitError{code: exitUsage, err: fmt.Errorf("creating the CPU profile: %w", err)}
		}
		if err := pprof.StartCPUProfile(cpu); err != nil {
			_ = cpu.Close()
			return nil, &exitError{code: exitRuntime, err: fmt.Errorf("starting the CPU profile: %w", err)}
		}
	}
	return func() error {
		var errs []error
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
