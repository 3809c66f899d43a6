package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/sluicehq/sluice/transport/kafka"
)

// Exit codes.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run consumes until n records were handled and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("benchconsumer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	brokers := fs.String("brokers", "", "bootstrap brokers, host:port,...")
	topic := fs.String("topic", "", "topic to consume")
	group := fs.String("group", "benchconsumer", "consumer group (use a fresh one per run)")
	n := fs.Int64("n", 0, "stop after this many records")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *brokers == "" || *topic == "" || *n <= 0 {
		_, _ = fmt.Fprintln(stderr, "benchconsumer: -brokers, -topic and a positive -n are required")
		return exitUsage
	}
	cfg := kafka.DefaultConfig()
	cfg.Brokers = strings.Split(*brokers, ",")
	cfg.Topics = []string{*topic}
	cfg.Group = *group
	cfg.ClientID = "benchconsumer"
	cfg.SessionTimeout = 10 * time.Second

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	count, err := consume(ctx, cfg, *n, stdout, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "benchconsumer: %v\n", err)
		return exitRuntime
	}
	if count < *n {
		_, _ = fmt.Fprintln(stdout, count)
		_, _ = fmt.Fprintf(stderr, "benchconsumer: stopped after %d of %d records\n", count, *n)
		return exitRuntime
	}
	return exitOK
}

// consume runs a router with a no-op handler until n records were handled
// or ctx is done, and returns how many were. It prints n to stdout the
// moment the n-th record is handled (the harness stops its clock there, not
// at the exit, which waits for the group to be left).
func consume(ctx context.Context, cfg kafka.Config, n int64, stdout io.Writer, logger *slog.Logger) (int64, error) {
	sub, err := kafka.NewSubscriber(cfg, kafka.NewCoordinator(fromCommitted{}, logger), logger)
	if err != nil {
		return 0, fmt.Errorf("creating the subscriber: %w", err)
	}
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: 10 * time.Second}, watermill.NopLogger{})
	if err != nil {
		return 0, fmt.Errorf("creating the router: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var count atomic.Int64
	router.AddConsumerHandler("noop", cfg.Topics[0], sub, func(*message.Message) error {
		if count.Add(1) == n {
			_, _ = fmt.Fprintln(stdout, n)
			cancel() // Run closes the router, and with it the subscriber
		}
		return nil
	})
	err = router.Run(ctx)
	return min(count.Load(), n), err
}

// fromCommitted starts every partition where Kafka's committed offset (or
// the oldest offset) says: the ceiling consumes from the start.
type fromCommitted struct{}

func (fromCommitted) Assigned(context.Context, string, []int32) (map[int32]int64, error) {
	return nil, nil
}

func (fromCommitted) Revoked(string, []int32) {}
