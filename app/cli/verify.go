package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/app/verify"
	"github.com/sluicehq/sluice/transport/kafka"
	"github.com/sluicehq/sluice/transport/objstore"
)

// newVerifyCommand returns "sluice verify".
func newVerifyCommand(s streams) *cobra.Command {
	var (
		path       string
		topics     []string
		asJSON     bool
		noProgress bool
		noBroker   bool
	)
	cmd := &cobra.Command{
		Use:   "verify -c FILE [--topic T ...] [--json] [--no-progress] [--no-broker]",
		Short: "Check the archive: every offset stored once, no gaps, progress records consistent",
		Long: `Verify reads the destination of the configuration file, lists every data
object, reads the offsets each holds and checks per Kafka partition that:

  - no offset is stored twice (in two objects or twice in one);
  - no offset is missing inside the stored range. The Kafka brokers of the
    configuration are asked about each gap: offsets where Kafka holds no
    record (transaction markers, aborted transactions under read_committed,
    compaction) are counted, not reported; offsets Kafka still holds are
    "lost"; offsets below the log start offset (deleted by retention) are
    "unverifiable", a warning. Without the broker (--no-broker, or when it
    cannot be reached, which is a warning) every gap is an unverified gap.
    Records a stage dropped on purpose are counted as filtered (the round's
    record of filtered offsets under _sluice/filtered/), never as missing;
  - every object's name agrees with its contents: a round's files are named by
    the round's first offset, and rounds do not overlap;
  - the progress record agrees with the objects: next_offset is the largest
    stored offset + 1, and only the pending round may hold offsets beyond it.

With the broker it also shows each partition's high watermark and the lag of
the archive behind it.

It prints a table per partition and the problems found, or with --json a
machine-readable report. Exit code: 0 when the archive is clean, 1 on any
violation (or when the store cannot be read), 2 on an invalid configuration.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(path, s.stderr)
			if err != nil {
				return err
			}
			log, err := newLogger(cfg.Log, logLevelFlag(cmd), s.stderr)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			st, err := objstore.Open(ctx, cfg.Destination.URL, cfg.Destination.S3, objstore.Settings{Logger: log})
			if err != nil {
				return &exitError{code: exitRuntime, err: fmt.Errorf("opening destination: %w", err)}
			}
			set := verify.Settings{Store: st, Logger: log}
			if !noBroker {
				// An unreachable broker is a warning of the report; a
				// refused certificate or password is a configuration
				// mistake, said in one line.
				if err := checkKafka(ctx, cfg.Kafka, log); err != nil {
					return err
				}
				in, err := kafka.NewInspector(cfg.Kafka)
				if err != nil {
					return &exitError{code: exitRuntime, err: fmt.Errorf("creating kafka client: %w", err)}
				}
				defer in.Close()
				set.Broker = in
			}
			if !noProgress && isTerminal(s.stderr) {
				set.Progress = &progressBar{w: s.stderr}
			}
			vcfg := verify.Config{Topics: topics,
				OffsetColumn: func(t string) string { return cfg.TopicConfig(t).Format.Columns.Offset }}
			rep, err := verify.Run(ctx, vcfg, set)
			if pb, ok := set.Progress.(*progressBar); ok {
				pb.finish()
			}
			if err != nil {
				return &exitError{code: exitRuntime, err: err}
			}
			if asJSON {
				err = rep.WriteJSON(s.stdout)
			} else {
				err = rep.WriteText(s.stdout)
			}
			if err != nil {
				return &exitError{code: exitRuntime, err: err}
			}
			if !rep.OK {
				return &exitError{code: exitRuntime}
			}
			return nil
		},
	}
	addConfigFlag(cmd, &path)
	cmd.Flags().StringArrayVar(&topics, "topic", nil, "verify only this topic (repeatable; default: every topic in the destination)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a machine-readable JSON report instead of the table")
	cmd.Flags().BoolVar(&noProgress, "no-progress", false, "show no progress bar (it is shown only on a terminal)")
	cmd.Flags().BoolVar(&noBroker, "no-broker", false, "do not ask the Kafka brokers about gaps (every gap is then unverified)")
	return cmd
}

// progressBar shows how many bytes of the objects were read, and how many
// objects, on a terminal.
type progressBar struct {
	w       io.Writer
	bar     *progressbar.ProgressBar
	objects int
	done    int
}

// Start implements verify.Progress.
func (p *progressBar) Start(objects int, bytes int64) {
	p.objects = objects
	p.bar = progressbar.NewOptions64(bytes,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetDescription(fmt.Sprintf("objects 0/%d", objects)),
	)
}

// Advance implements verify.Progress.
func (p *progressBar) Advance(bytes int64) {
	p.done++
	p.bar.Describe(fmt.Sprintf("objects %d/%d", p.done, p.objects))
	_ = p.bar.Add64(bytes)
}

func (p *progressBar) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
