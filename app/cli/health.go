package cli

import (
	"context"
	"log/slog"
	"time"

	"github.com/sluicehq/sluice/pipeline"
	"github.com/sluicehq/sluice/pipeline/health"
	"github.com/sluicehq/sluice/telemetry"
)

// serveHealth serves the pipeline's /healthz and /readyz at health.listen:
// on the Prometheus scrape endpoint when that listens on the same address,
// else on a server of their own. stop shuts that server down.
func serveHealth(cfg health.Config, p *pipeline.Pipeline, tel *telemetry.Providers, logger *slog.Logger) (stop func(), err error) {
	live, ready := p.HealthChecks()
	hs := health.New(cfg, health.Settings{Logger: logger, Live: live, Ready: ready})
	stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := hs.Shutdown(ctx); err != nil {
			logger.Warn("stopping the health endpoints", "err", err)
		}
	}
	if cfg.Listen == "" {
		return stop, nil
	}
	if cfg.Listen == tel.PrometheusListen &&
		tel.Handle(health.LivePath, hs.Handler()) && tel.Handle(health.ReadyPath, hs.Handler()) {
		logger.Info("serving health probes on the Prometheus endpoint", "addr", tel.PrometheusAddr)
		return stop, nil
	}
	if err := hs.Start(); err != nil {
		return nil, err
	}
	logger.Info("serving health probes", "addr", hs.Addr())
	return stop, nil
}
