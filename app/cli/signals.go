package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// shutdownSignals are the signals that start a graceful shutdown.
var shutdownSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// notifyContext returns a context cancelled by the first SIGINT or SIGTERM,
// which starts the graceful shutdown. A second one ends the process at once
// through exit, with 128 plus the signal's number (130 for a second Ctrl-C).
// Call stop when the work is done.
func notifyContext(parent context.Context, s streams) (ctx context.Context, stop func()) {
	ctx, stopCtx := signal.NotifyContext(parent, shutdownSignals...)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, shutdownSignals...)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { watchSignals(sigs, done, s) })
	return ctx, func() {
		stopCtx()
		signal.Stop(sigs)
		close(done)
		wg.Wait()
	}
}

// watchSignals tells, on the first signal, that a graceful shutdown started,
// and ends the process on the second. It returns when done is closed.
func watchSignals(sigs <-chan os.Signal, done <-chan struct{}, s streams) {
	received := 0
	for {
		select {
		case <-done:
			return
		case sig := <-sigs:
			received++
			if received == 1 {
				fmt.Fprintf(s.stderr, "\nsluice: %s: shutting down gracefully (sealing, uploading and committing what is buffered); send it again to quit at once\n", signalName(sig))
				continue
			}
			fmt.Fprintf(s.stderr, "\nsluice: %s again: quitting at once; records buffered and not yet committed will be read again from Kafka on the next start (nothing is lost)\n", signalName(sig))
			s.exit(exitCodeFor(sig))
			return
		}
	}
}

// exitCodeFor is the shell's code of a process ended by sig: 128 plus its
// number.
func exitCodeFor(sig os.Signal) int {
	if n, ok := sig.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 128 + int(syscall.SIGINT)
}

func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}
