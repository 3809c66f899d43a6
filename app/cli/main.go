package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	_ "time/tzdata" // partition time zones must not depend on the host
)

// Exit codes.
const (
	exitOK      = 0
	exitRuntime = 1 // a runtime error: unreachable broker or store, unknown topic
	exitUsage   = 2 // an invalid configuration or command line
)

// exitError carries the exit code of a failed command. A nil err means the
// command already printed what went wrong.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit code %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// streams are where a command writes.
type streams struct {
	stdout, stderr io.Writer
	// exit ends the process at once (a second signal during shutdown).
	exit func(code int)
}

// Main runs the sluice command line (os.Args) and exits with its code: run,
// validate, verify, lag and demo. A program that extends sluice calls it
// from its own main.
func Main() {
	os.Exit(execute(context.Background(), os.Args[1:], streams{stdout: os.Stdout, stderr: os.Stderr, exit: os.Exit}))
}

// execute runs the command line args and returns the exit code.
func execute(ctx context.Context, args []string, s streams) int {
	root := newRootCommand(s)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if !errors.As(err, &ee) {
		// Cobra's own errors: unknown command or flag, missing argument.
		fmt.Fprintf(s.stderr, "sluice: %v\nRun 'sluice --help' for usage.\n", err)
		return exitUsage
	}
	if ee.err != nil {
		fmt.Fprintf(s.stderr, "sluice: %s\n", oneLine(ee.err))
	}
	return ee.code
}

// oneLine joins the lines of an error (errors.Join puts one per line).
func oneLine(err error) string {
	var parts []string
	for line := range strings.Lines(err.Error()) {
		if line = strings.TrimSpace(line); line != "" {
			parts = append(parts, line)
		}
	}
	return strings.Join(parts, "; ")
}
