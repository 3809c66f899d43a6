package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sluicehq/sluice/testing/cmd/internal/ready"
	"github.com/sluicehq/sluice/testing/faults"
)

// Exit codes.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}

// Ready is what the ready file holds.
type Ready struct {
	// URL is the proxy's S3 endpoint.
	URL string `json:"url"`
	// AdminURL is where the admin API listens.
	AdminURL string `json:"admin_url"`
	// Seed is the seed of the fault dice.
	Seed uint64 `json:"seed"`
}

// run serves until ctx is done and returns the exit code.
func run(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("s3faultproxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("target", "", "the S3 endpoint to forward to, http://host:port (required)")
	addr := fs.String("addr", "127.0.0.1:0", "listen address for S3 requests")
	adminAddr := fs.String("admin-addr", "127.0.0.1:0", "listen address for the admin API")
	seed := fs.Uint64("seed", 0, "seed of the fault dice (0: random)")
	readyFile := fs.String("ready-file", "", "file to write the addresses to (JSON) once listening")
	verbose := fs.Bool("v", false, "log every injected fault")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *target == "" || fs.NArg() > 0 {
		_, _ = fmt.Fprintln(stderr, "s3faultproxy: -target is required and no arguments are taken")
		return exitUsage
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	opts := []faults.Option{faults.WithAddr(*addr), faults.WithLogger(log)}
	if *seed != 0 {
		opts = append(opts, faults.WithSeed(*seed))
	}
	p, err := faults.NewProxy(*target, opts...)
	if err != nil {
		log.Error("starting the proxy", "error", err)
		return exitUsage
	}
	defer func() { _ = p.Close() }()

	ln, err := net.Listen("tcp", *adminAddr)
	if err != nil {
		log.Error("listening for the admin API", "error", err)
		return exitRuntime
	}
	admin := &http.Server{Handler: p.AdminHandler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- admin.Serve(ln) }()
	defer func() {
		_ = admin.Close()
		<-served
	}()

	ready := Ready{URL: p.URL(), AdminURL: "http://" + ln.Addr().String(), Seed: p.Seed()}
	if *readyFile != "" {
		if err := writeReady(*readyFile, ready); err != nil {
			log.Error("writing the ready file", "error", err)
			return exitRuntime
		}
	}
	log.Info("fault proxy listening", "url", ready.URL, "admin_url", ready.AdminURL, "seed", ready.Seed, "target", *target)
	select {
	case <-ctx.Done():
		log.Info("fault proxy stopping", "stats", p.Stats())
		return exitOK
	case err := <-served:
		served <- err // for the deferred wait
		log.Error("serving the admin API", "error", err)
		return exitRuntime
	}
}

func writeReady(path string, r Ready) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return ready.Write(path, data)
}
