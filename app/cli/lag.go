package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"time"

	"github.com/spf13/cobra"
	metricnoop "go.opentelemetry.io/otel/metric/noop"

	"github.com/sluicehq/sluice/app/lag"
	"github.com/sluicehq/sluice/pipeline"
	"github.com/sluicehq/sluice/telemetry"
	"github.com/sluicehq/sluice/transport/kafka"
	"github.com/sluicehq/sluice/transport/objstore"
)

// clearScreen moves the cursor home and clears the terminal.
const clearScreen = "\x1b[H\x1b[2J"

// lagOptions are the flags of "sluice lag".
type lagOptions struct {
	path       string
	topics     []string
	interval   time.Duration
	once       bool
	asJSON     bool
	otlp       bool
	maxRecords int64
	maxTime    time.Duration
}

// newLagCommand returns "sluice lag".
func newLagCommand(s streams) *cobra.Command {
	var o lagOptions
	cmd := &cobra.Command{
		Use:   "lag -c FILE [--once] [--json] [--interval D] [--max-lag-records N] [--max-lag-time D] [--otlp]",
		Short: "Show how far the archive is behind Kafka, per partition, live",
		Long: `Lag shows, for every partition of the configured topics, how far the archive
is behind Kafka:

  DURABLE          the progress record's next offset: every record below it
                   is in the bucket
  KAFKA_COMMITTED  the consumer group's committed offset (what kcat and
                   Burrow show); sluice commits it after the bucket
  HIGH_WATERMARK   the offset the partition's next record gets
  END              where the readable log ends: the last stable offset under
                   read_committed, else the high watermark
  LAG              END minus DURABLE, in offsets
  LAG_TIME         the age of the oldest record not archived yet, by its
                   Kafka timestamp (0s when caught up)
  LAST_COMMIT      when the partition's last round was committed
  FLAGS            retention_lost (records deleted before they were
                   archived), kafka_ahead (the group committed past the
                   bucket), kafka_behind (normal for a moment),
                   beyond_log_end, not_archived, over_limit

It redraws the table every --interval until interrupted (on a terminal in
place; elsewhere one table after the other). --once prints it once; --json
prints one JSON object per line instead. With --otlp it also exports the
numbers as OpenTelemetry gauges (sluice.lag.records, sluice.lag.seconds,
sluice.offset.durable, sluice.offset.high_watermark) through the
configuration's telemetry section.

Exit code: 0; 1 when a partition's lag is above --max-lag-records or
--max-lag-time (in live mode: in the last measurement), or when the broker
or store cannot be read; 2 on an invalid configuration or command line.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runLag(cmd, s, o) },
	}
	addConfigFlag(cmd, &o.path)
	f := cmd.Flags()
	f.StringArrayVar(&o.topics, "topic", nil, "show only this topic (repeatable; default: the configured topics)")
	f.DurationVar(&o.interval, "interval", 5*time.Second, "refresh interval of the live table")
	f.BoolVar(&o.once, "once", false, "print once and exit")
	f.BoolVar(&o.asJSON, "json", false, "print JSON, one object per line (per refresh)")
	f.BoolVar(&o.otlp, "otlp", false, "also export the lag as OpenTelemetry gauges (the configuration's telemetry section)")
	f.Int64Var(&o.maxRecords, "max-lag-records", 0, "exit 1 when a partition lags by more records than this (0: no limit)")
	f.DurationVar(&o.maxTime, "max-lag-time", 0, "exit 1 when a partition's oldest unarchived record is older than this (0: no limit)")
	return cmd
}

func runLag(cmd *cobra.Command, s streams, o lagOptions) error {
	switch {
	case o.interval <= 0:
		return &exitError{code: exitUsage, err: fmt.Errorf("--interval must be positive, got %s", o.interval)}
	case o.maxRecords < 0:
		return &exitError{code: exitUsage, err: fmt.Errorf("--max-lag-records must not be negative, got %d", o.maxRecords)}
	case o.maxTime < 0:
		return &exitError{code: exitUsage, err: fmt.Errorf("--max-lag-time must not be negative, got %s", o.maxTime)}
	}
	cfg, err := loadConfig(o.path, s.stderr)
	if err != nil {
		return err
	}
	log, err := newLogger(cfg.Log, logLevelFlag(cmd), s.stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), shutdownSignals...)
	defer stop()
	st, err := objstore.Open(ctx, cfg.Destination.URL, cfg.Destination.S3, objstore.Settings{Logger: log})
	if err != nil {
		return &exitError{code: exitRuntime, err: fmt.Errorf("opening destination: %w", err)}
	}
	if err := checkKafka(ctx, cfg.Kafka, log); err != nil {
		return err
	}
	in, err := kafka.NewInspector(cfg.Kafka)
	if err != nil {
		return &exitError{code: exitRuntime, err: fmt.Errorf("creating kafka client: %w", err)}
	}
	defer in.Close()
	set := lag.Settings{Store: st, Broker: in, Logger: log}
	if o.otlp {
		tel, err := lagTelemetry(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := tel.Shutdown(sctx); err != nil {
				log.Warn("flushing the lag gauges", "err", err)
			}
		}()
		set.Meter = tel.MeterProvider.Meter(telemetry.Scope)
	}
	mon, err := lag.New(lag.Config{Group: cfg.Kafka.Group, MaxLagRecords: o.maxRecords, MaxLagTime: o.maxTime}, set)
	if err != nil {
		return &exitError{code: exitRuntime, err: err}
	}
	// The monitor stays open: the telemetry shutdown's last export reads it.
	measure := func() (*lag.Snapshot, error) {
		if len(o.topics) > 0 {
			return mon.Measure(ctx, o.topics)
		}
		topics, err := kafka.ResolveTopics(ctx, cfg.Kafka)
		if err != nil {
			return nil, err
		}
		return mon.Measure(ctx, topics)
	}
	if o.once {
		snap, err := measure()
		if err != nil {
			return &exitError{code: exitRuntime, err: err}
		}
		if err := writeLag(s.stdout, snap, o.asJSON); err != nil {
			return &exitError{code: exitRuntime, err: err}
		}
		return lagVerdict(snap)
	}
	return liveLag(ctx, s.stdout, o, measure, mon.Failed)
}

// lagTelemetry sets up the configuration's metric exporters; it is a usage
// error when the configuration exports no metrics.
func lagTelemetry(ctx context.Context, cfg pipeline.Config, log *slog.Logger) (*telemetry.Providers, error) {
	tel, err := telemetry.Setup(ctx, cfg.Telemetry, telemetry.Settings{Logger: log, Version: version()})
	if err != nil {
		return nil, &exitError{code: exitRuntime, err: fmt.Errorf("setting up telemetry: %w", err)}
	}
	if _, noop := tel.MeterProvider.(metricnoop.MeterProvider); noop {
		_ = tel.Shutdown(ctx) // a trace exporter, if configured
		return nil, &exitError{code: exitUsage, err: errors.New(
			"--otlp: the configuration exports no metrics (set telemetry.otlp.endpoint or OTEL_EXPORTER_OTLP_ENDPOINT)")}
	}
	return tel, nil
}

// liveLag measures every interval until ctx is done; the exit code is the
// last measurement's. A failed measurement is shown as a snapshot with its
// error, and the next one is tried all the same.
func liveLag(ctx context.Context, w io.Writer, o lagOptions, measure func() (*lag.Snapshot, error), failed func(error) *lag.Snapshot) error {
	tty := !o.asJSON && isTerminal(w)
	tick := time.NewTicker(o.interval)
	defer tick.Stop()
	var last error
	for {
		snap, err := measure()
		if ctx.Err() != nil {
			return last
		}
		if err != nil {
			snap = failed(err)
		}
		var buf bytes.Buffer
		if tty {
			buf.WriteString(clearScreen)
		}
		if err := writeLag(&buf, snap, o.asJSON); err != nil {
			return &exitError{code: exitRuntime, err: err}
		}
		if tty {
			fmt.Fprintf(&buf, "\nrefreshing every %s; Ctrl-C to quit\n", o.interval)
		} else if !o.asJSON {
			buf.WriteByte('\n')
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return &exitError{code: exitRuntime, err: fmt.Errorf("writing lag: %w", err)}
		}
		last = lagVerdict(snap)
		select {
		case <-ctx.Done():
			return last
		case <-tick.C:
		}
	}
}

func writeLag(w io.Writer, snap *lag.Snapshot, asJSON bool) error {
	if asJSON {
		return snap.WriteJSON(w)
	}
	return snap.WriteText(w)
}

// lagVerdict is the exit status of a measurement.
func lagVerdict(snap *lag.Snapshot) error {
	if snap.Error != "" || !snap.OK {
		return &exitError{code: exitRuntime}
	}
	return nil
}
