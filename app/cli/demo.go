package cli

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/app/demo"
	"github.com/sluicehq/sluice/pipeline"
)

// newDemoCommand returns "sluice demo".
func newDemoCommand(s streams) *cobra.Command {
	var (
		opts     demo.Options
		duration time.Duration
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Archive generated events from an in-process Kafka into a local directory",
		Long: `Demo shows sluice at work with nothing else installed. It starts a Kafka
broker inside the process (127.0.0.1:9092, or a free port when that one is
taken) with the topic "demo-events", produces sample JSON events into it, and
archives them as Parquet files (zstd) into --dir, partitioned by event hour.
Files appear within seconds; query them with DuckDB while the demo runs.

It runs until Ctrl-C or --duration, then shuts down gracefully and prints how
many records were produced and committed. The output directory must be empty
or hold a previous demo's output, which is removed: the in-process broker
starts empty every time.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := newLogger(pipeline.Log{Level: "warn", Format: "text"}, logLevelFlag(cmd), s.stderr)
			if err != nil {
				return err
			}
			opts.Logger = logger
			return runDemo(cmd.Context(), s, opts, duration)
		},
	}
	f := cmd.Flags()
	f.DurationVar(&duration, "duration", 0, "stop after this long (default: run until Ctrl-C)")
	f.StringVar(&opts.Dir, "dir", "./"+demo.DefaultDir, "output directory")
	f.IntVar(&opts.Rate, "rate", demo.DefaultRate, "events generated per second")
	f.Int32Var(&opts.Partitions, "partitions", demo.DefaultPartitions, "partitions of the demo topic")
	f.IntVar(&opts.Port, "port", demo.DefaultPort, "port of the in-process broker (a free one when it is taken; 0 for any)")
	return cmd
}

func runDemo(ctx context.Context, s streams, opts demo.Options, duration time.Duration) error {
	if duration < 0 {
		return &exitError{code: exitUsage, err: fmt.Errorf("--duration must not be negative, got %s", duration)}
	}
	if opts.Rate < 1 || opts.Partitions < 1 {
		return &exitError{code: exitUsage, err: errors.New("--rate and --partitions must be at least 1")}
	}
	d, err := demo.Start(opts)
	if err != nil {
		code := exitRuntime
		if errors.Is(err, demo.ErrDirNotEmpty) {
			code = exitUsage
		}
		return &exitError{code: code, err: fmt.Errorf("starting demo: %w", err)}
	}
	defer d.Close()
	fmt.Fprintln(s.stdout, d.Banner())

	ctx, stop := notifyContext(ctx, s)
	defer stop()
	if duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, duration)
		defer cancel()
	}
	rep := newReporter(s.stdout, isTerminal(s.stdout))
	var wg sync.WaitGroup
	wg.Go(func() { rep.run(ctx, d.Progress) })
	sum, err := d.Run(ctx)
	wg.Wait() // ctx is done once Run returned
	rep.finish()
	if err != nil {
		return &exitError{code: exitRuntime, err: err}
	}
	if err := d.Close(); err != nil {
		return &exitError{code: exitRuntime, err: err}
	}
	fmt.Fprint(s.stdout, sum.String())
	return nil
}
