package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/sluicehq/sluice/app/demo"
)

// Progress refresh intervals: a terminal line is rewritten every second; a
// log file or pipe gets a new line every few seconds.
const (
	ttyEvery  = time.Second
	pipeEvery = 5 * time.Second
)

// eraseLine returns the cursor to the start of the line and clears it.
const eraseLine = "\r\x1b[K"

// reporter prints the demo's progress: on a terminal one line, rewritten in
// place; elsewhere one line every few seconds.
type reporter struct {
	w     io.Writer
	tty   bool
	every time.Duration
	drawn bool // a line is on screen without its line end (tty)
}

func newReporter(w io.Writer, tty bool) *reporter {
	every := pipeEvery
	if tty {
		every = ttyEvery
	}
	return &reporter{w: w, tty: tty, every: every}
}

// run prints progress until ctx is done.
func (r *reporter) run(ctx context.Context, progress func() demo.Progress) {
	tick := time.NewTicker(r.every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			r.print(progress())
		}
	}
}

// print writes one progress update.
func (r *reporter) print(p demo.Progress) {
	if r.tty {
		fmt.Fprint(r.w, eraseLine+p.String())
		r.drawn = true
		return
	}
	fmt.Fprintln(r.w, p.String())
}

// finish ends the progress display, so what follows starts on a fresh line.
func (r *reporter) finish() {
	if r.drawn {
		fmt.Fprintln(r.w)
		r.drawn = false
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
