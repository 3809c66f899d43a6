// Package wmlog adapts log/slog for Watermill: lifecycle lines go to debug,
// and a line whose level is off costs nothing (Watermill's own slog adapter
// builds every line's attributes before the level is checked, which on the
// per-record path of watermill-kafka was 17% of sluice's CPU).
package wmlog

import (
	"context"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill"
)

// New returns a Watermill logger writing to logger: Watermill's info lines
// (handlers added, subscribing, closing) at debug, its debug and trace lines
// at debug and trace, errors as errors.
func New(logger *slog.Logger) watermill.LoggerAdapter {
	return gate{
		inner: watermill.NewSlogLoggerWithLevelMapping(logger, map[slog.Level]slog.Level{
			slog.LevelInfo: slog.LevelDebug,
		}),
		log: logger,
	}
}

// gate drops lines below the logger's level before Watermill formats them.
type gate struct {
	inner watermill.LoggerAdapter
	log   *slog.Logger
}

func (g gate) enabled(l slog.Level) bool { return g.log.Enabled(context.Background(), l) }

func (g gate) Error(msg string, err error, fields watermill.LogFields) {
	g.inner.Error(msg, err, fields)
}

func (g gate) Info(msg string, fields watermill.LogFields) {
	if g.enabled(slog.LevelDebug) {
		g.inner.Info(msg, fields)
	}
}

func (g gate) Debug(msg string, fields watermill.LogFields) {
	if g.enabled(slog.LevelDebug) {
		g.inner.Debug(msg, fields)
	}
}

func (g gate) Trace(msg string, fields watermill.LogFields) {
	if g.enabled(watermill.LevelTrace) {
		g.inner.Trace(msg, fields)
	}
}

func (g gate) With(fields watermill.LogFields) watermill.LoggerAdapter {
	return gate{inner: g.inner.With(fields), log: g.log}
}
