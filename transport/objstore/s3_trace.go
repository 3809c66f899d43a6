package objstore

import (
	"context"
	"sync/atomic"

	"github.com/aws/smithy-go/middleware"
	"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-sdk-go-v2/otelaws"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// attrAttempts counts the HTTP attempts of one S3 operation, retries
// included.
const attrAttempts = attribute.Key("sluice.s3.attempts")

// traceOptions adds a client span per S3 operation (otelaws: operation,
// bucket, key, request id, status) with its attempt count; nothing when tp
// is nil or a no-op.
func traceOptions(apiOptions *[]func(*middleware.Stack) error, tp trace.TracerProvider) {
	if _, noop := tp.(tracenoop.TracerProvider); tp == nil || noop {
		return
	}
	// No propagator: S3 has no use for a traceparent header.
	otelaws.AppendMiddlewares(apiOptions, otelaws.WithTracerProvider(tp),
		otelaws.WithTextMapPropagator(propagation.NewCompositeTextMapPropagator()))
	*apiOptions = append(*apiOptions, countAttempts)
}

type attemptsKey struct{}

// countAttempts runs inside otelaws's span: it counts the attempts the
// retry middleware makes and sets the count on the span.
func countAttempts(st *middleware.Stack) error {
	err := st.Initialize.Add(middleware.InitializeMiddlewareFunc("sluiceTraceAttempts",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			n := new(atomic.Int64)
			out, md, err := next.HandleInitialize(context.WithValue(ctx, attemptsKey{}, n), in)
			trace.SpanFromContext(ctx).SetAttributes(attrAttempts.Int64(n.Load()))
			return out, md, err
		}), middleware.After)
	if err != nil {
		return err
	}
	return st.Finalize.Insert(middleware.FinalizeMiddlewareFunc("sluiceTraceAttempt",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			if n, ok := ctx.Value(attemptsKey{}).(*atomic.Int64); ok {
				n.Add(1)
			}
			return next.HandleFinalize(ctx, in)
		}), "Retry", middleware.After)
}
