package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sluicehq/sluice/testing/cmd/internal/ready"
	"github.com/twmb/franz-go/pkg/sr/srfake"
)

// Exit codes.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// options are the parsed command line.
type options struct {
	addr, readyFile, auth string
	stdinClose            bool
}

// run serves until a signal (or stdin's end) and returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var opts options
	fs := flag.NewFlagSet("schemaregistry", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&opts.addr, "addr", "127.0.0.1:0", "listen address host:port (port 0 picks a free port)")
	fs.StringVar(&opts.readyFile, "ready-file", "", "file to write the URL to once listening")
	fs.StringVar(&opts.auth, "auth", "", "the Authorization header every request must carry (empty: none)")
	fs.BoolVar(&opts.stdinClose, "exit-on-stdin-close", false, "exit when standard input reaches its end")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		_, _ = fmt.Fprintf(stderr, "schemaregistry: unexpected arguments %q\n", fs.Args())
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if opts.stdinClose {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		go func() { // ends with the process: stdin has no deadline
			_, _ = io.Copy(io.Discard, stdin)
			cancel()
		}()
	}
	if err := serve(ctx, opts, stdout, stderr); err != nil {
		_, _ = fmt.Fprintf(stderr, "schemaregistry: %v\n", err)
		return exitRuntime
	}
	return exitOK
}

// serve runs the registry behind a listener on opts.addr until ctx ends.
func serve(ctx context.Context, opts options, stdout, stderr io.Writer) error {
	var regOpts []srfake.Option
	if opts.auth != "" {
		regOpts = append(regOpts, srfake.WithAuth(opts.auth))
	}
	reg := srfake.New(regOpts...) // listens on a loopback port of its own
	defer reg.Close()
	target, err := url.Parse(reg.URL())
	if err != nil {
		return fmt.Errorf("reading the registry's URL: %w", err)
	}
	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return fmt.Errorf("listening: %w", err)
	}
	srv := &http.Server{Handler: httputil.NewSingleHostReverseProxy(target), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	u := "http://" + ln.Addr().String()
	_, _ = fmt.Fprintln(stdout, u)
	if opts.readyFile != "" {
		if err := ready.Write(opts.readyFile, []byte(u)); err != nil {
			_ = srv.Close()
			return err
		}
	}
	_, _ = fmt.Fprintf(stderr, "schemaregistry: listening on %s\n", u)
	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	}
	_, _ = fmt.Fprintf(stderr, "schemaregistry: shutting down\n")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
	}
	<-served
	return nil
}
