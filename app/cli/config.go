package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/pipeline"
	"github.com/sluicehq/sluice/transport/kafka"
)

// addConfigFlag adds the required -c/--config flag to cmd.
func addConfigFlag(cmd *cobra.Command, path *string) {
	cmd.Flags().StringVarP(path, "config", "c", "", "configuration file (YAML; required)")
	_ = cmd.MarkFlagRequired("config")
}

// loadConfig loads the configuration file at path. When it is invalid, it
// prints every problem to w, one a line, prefixed with the file name (and
// line, when known), and returns an exitError with exitUsage.
func loadConfig(path string, w io.Writer) (pipeline.Config, error) {
	cfg, err := pipeline.Load(path)
	if err == nil {
		return cfg, nil
	}
	for _, fe := range pipeline.FieldErrors(err) {
		fmt.Fprintln(w, formatProblem(path, fe))
	}
	return pipeline.Config{}, &exitError{code: exitUsage}
}

// formatProblem renders one configuration problem the way compilers do:
// "sluice.yaml:12: kafka.brokers[0]: problem", or without the line when it
// is not known.
func formatProblem(file string, fe *pipeline.FieldError) string {
	prefix := file
	if fe.Line > 0 {
		prefix += ":" + strconv.Itoa(fe.Line)
	}
	if fe.Path != "" {
		prefix += ": " + fe.Path
	}
	return prefix + ": " + fe.Err.Error()
}

// checkKafka logs the risky settings of the kafka section and probes the
// brokers: a broker refusing the TLS handshake or the credentials is an
// exitRuntime error of one line naming the broker and the mechanism.
// Unreachable brokers are left to the command to report.
func checkKafka(ctx context.Context, cfg kafka.Config, log *slog.Logger) error {
	for _, w := range cfg.Warnings() {
		log.Warn(w)
	}
	if err := kafka.ProbeSecurity(ctx, cfg); err != nil {
		return &exitError{code: exitRuntime, err: err}
	}
	return nil
}
