package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/pipeline"
	"github.com/sluicehq/sluice/stages/buffer"
	"github.com/sluicehq/sluice/telemetry"
)

// newRunCommand returns "sluice run".
func newRunCommand(s streams) *cobra.Command {
	var (
		path string
		prof profileFlags
	)
	cmd := &cobra.Command{
		Use:   "run -c FILE",
		Short: "Archive the configured topics until SIGINT or SIGTERM",
		Long: `Run archives the topics of the configuration file until it receives SIGINT
(Ctrl-C) or SIGTERM. It then shuts down gracefully: what is buffered is sealed,
uploaded and committed before it exits 0. A second signal quits at once; what
was not committed is read again from Kafka on the next start.

With health.listen set it serves /healthz (liveness: the routers run) and
/readyz (readiness: joined the consumer group, the store answers, not
shutting down) for Kubernetes probes.

Exit codes: 0 after a clean shutdown, 1 on a runtime error (unreachable broker
or store, unknown topic), 2 on an invalid configuration (including a
buffer.dir that holds files sluice did not create).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			stopProfile, err := prof.start()
			if err != nil {
				return err
			}
			defer func() {
				if perr := stopProfile(); perr != nil && err == nil {
					err = &exitError{code: exitRuntime, err: perr}
				}
			}()
			cfg, err := loadConfig(path, s.stderr)
			if err != nil {
				return err
			}
			logger, err := newLogger(cfg.Log, logLevelFlag(cmd), s.stderr)
			if err != nil {
				return err
			}
			applyMemoryLimit(cfg.MemoryLimit, logger)
			tel, err := telemetry.Setup(cmd.Context(), cfg.Telemetry, telemetry.Settings{Logger: logger, Version: version()})
			if err != nil {
				return &exitError{code: exitUsage, err: fmt.Errorf("setting up telemetry: %w", err)}
			}
			defer func() {
				// Flush what is pending, within bounds: telemetry must not
				// hold the exit.
				ctx, cancel := context.WithTimeout(context.WithoutCancel(cmd.Context()), 10*time.Second)
				defer cancel()
				if err := tel.Shutdown(ctx); err != nil {
					logger.Warn("flushing telemetry", "err", err)
				}
			}()
			p, err := pipeline.New(cfg, pipeline.Settings{Logger: logger, Telemetry: tel})
			if err != nil {
				return &exitError{code: exitRuntime, err: fmt.Errorf("creating pipeline: %w", err)}
			}
			stopHealth, err := serveHealth(cfg.Health, p, tel, logger)
			if err != nil {
				return &exitError{code: exitRuntime, err: err}
			}
			defer stopHealth()
			ctx, stop := notifyContext(cmd.Context(), s)
			defer stop()
			err = p.Run(ctx)
			switch {
			case err == nil:
				return nil
			case ctx.Err() != nil && errors.Is(err, context.Canceled):
				// Stopped while starting: nothing was buffered yet.
				return nil
			case errors.Is(err, buffer.ErrDirNotOwned):
				// buffer.dir points at a directory that is not sluice's.
				return &exitError{code: exitUsage, err: err}
			default:
				return &exitError{code: exitRuntime, err: err}
			}
		},
	}
	addConfigFlag(cmd, &path)
	addProfileFlags(cmd, &prof)
	return cmd
}
