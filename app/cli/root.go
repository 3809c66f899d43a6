package cli

import (
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/pipeline"
)

// newRootCommand returns the sluice command with its subcommands.
func newRootCommand(s streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "sluice",
		Short: "Archive Kafka topics to S3 exactly once, as Hive-partitioned Parquet or JSON lines",
		Long: `sluice archives Kafka topics to S3 (or a local directory) exactly once, as
Hive-partitioned Parquet or JSON-lines files.

Start with 'sluice demo': it runs an in-process Kafka, generates events and
archives them into a local directory you can query with DuckDB.`,
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(s.stdout)
	root.SetErr(s.stderr)
	root.PersistentFlags().String("log-level", "", "log level: debug, info, warn or error (overrides log.level)")
	root.AddCommand(newRunCommand(s), newValidateCommand(s), newDemoCommand(s))
	root.AddCommand(newVerifyCommand(s))
	root.AddCommand(newLagCommand(s))
	return root
}

// version is the module version the binary was built from.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// logLevelFlag returns the --log-level flag's value, "" when unset.
func logLevelFlag(cmd *cobra.Command) string {
	v, _ := cmd.Flags().GetString("log-level")
	return v
}

// newLogger returns the logger of the log settings, the level overridden by
// levelFlag when it is set. It writes to w.
func newLogger(l pipeline.Log, levelFlag string, w io.Writer) (*slog.Logger, error) {
	if levelFlag != "" {
		if err := (pipeline.Log{Level: levelFlag, Format: "text"}).Validate(); err != nil {
			return nil, &exitError{code: exitUsage, err: fmt.Errorf("--log-level: %w", pipeline.FieldErrors(err)[0].Err)}
		}
		l.Level = levelFlag
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(l.Level)); err != nil {
		return nil, &exitError{code: exitUsage, err: fmt.Errorf("log level %q: %w", l.Level, err)}
	}
	opts := &slog.HandlerOptions{Level: level}
	if l.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}
