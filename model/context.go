package model

import "context"

type roundKey struct{}

// WithRound returns ctx carrying r: how a sealed round travels between the
// handlers of the deliver router (it never leaves the process, so it is not
// encoded). Handlers must not change it: a handler that fails gets the same
// round again.
func WithRound(ctx context.Context, r *Round) context.Context {
	return context.WithValue(ctx, roundKey{}, r)
}

// RoundFrom returns the round ctx carries, if any.
func RoundFrom(ctx context.Context) (*Round, bool) {
	r, ok := ctx.Value(roundKey{}).(*Round)
	return r, ok
}
