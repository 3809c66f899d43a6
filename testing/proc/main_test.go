package proc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"
)

// childEnv makes the test binary act as a child process instead of running
// the tests: "serve" runs a small server (see serve), "exit" prints a line
// and exits at once.
const childEnv = "SLUICE_PROC_TEST_CHILD"

// readyAfter is how long the "serve" child answers 503 on /ready.
const readyAfter = 300 * time.Millisecond

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "serve":
		if err := serve(os.Args[1]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	case "exit":
		fmt.Println("giving up at once")
		os.Exit(3)
	}
	os.Exit(m.Run())
}

// serve listens on addr, answers /ready with 503 for readyAfter and 200
// after, and exits cleanly on SIGTERM.
func serve(addr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	started := time.Now()
	srv := &http.Server{
		Addr:              addr,
		ReadHeaderTimeout: time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if time.Since(started) < readyAfter {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		}),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	fmt.Println("serving on", addr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Println("stopping on SIGTERM")
	if err := srv.Shutdown(context.Background()); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
