package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// Settings is what the program injects into Setup.
type Settings struct {
	// Logger receives export errors; nil discards.
	Logger *slog.Logger
	// Getenv reads the OTEL_* variables (default os.Getenv).
	Getenv func(string) string
	// Version is the service.version resource attribute.
	Version string
}

// Providers are where sluice's spans and metrics go. With tracing or
// metrics off the matching provider is a no-op one, which costs next to
// nothing per call.
type Providers struct {
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	// Propagator reads and writes W3C traceparent and baggage.
	Propagator propagation.TextMapPropagator
	// SampleRatio is the resolved ratio of records traced (0 with tracing
	// off).
	SampleRatio float64
	// MaxLinks caps the links from a round's spans to its records.
	MaxLinks int
	// PrometheusAddr is the scrape endpoint's address, when serving.
	PrometheusAddr string
	// PrometheusListen is the address the scrape endpoint was asked to
	// listen on (metrics.prometheus_listen, resolved), when serving.
	PrometheusListen string
	// LagInterval is how often the pipeline polls the brokers' high
	// watermarks for the lag gauges.
	LagInterval time.Duration

	// presample says the record tracer draws records against SampleRatio
	// itself (see RecordTracer), which Sampler expects.
	presample bool

	shutdown []func(context.Context) error
	// promMux is the scrape endpoint's mux, when serving.
	promMux *http.ServeMux
}

// Handle serves handler at pattern (see http.ServeMux) beside /metrics on
// the Prometheus scrape endpoint, so that other endpoints (health probes)
// can share its listener. It reports false, and does nothing, when the
// endpoint is not serving.
func (p *Providers) Handle(pattern string, handler http.Handler) bool {
	if p.promMux == nil {
		return false
	}
	p.promMux.Handle(pattern, handler)
	return true
}

// Noop returns providers that record nothing.
func Noop() *Providers {
	return &Providers{
		TracerProvider: tracenoop.NewTracerProvider(),
		MeterProvider:  metricnoop.NewMeterProvider(),
		Propagator:     propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
		MaxLinks:       defaultMaxLinks,
		LagInterval:    defaultLagInterval,
	}
}

// Complete fills the fields a caller left zero with their no-op or default
// values, so a test can set only the provider it looks at.
func (p *Providers) Complete() *Providers {
	n := Noop()
	if p.TracerProvider == nil {
		p.TracerProvider = n.TracerProvider
	}
	if p.MeterProvider == nil {
		p.MeterProvider = n.MeterProvider
	}
	if p.Propagator == nil {
		p.Propagator = n.Propagator
	}
	if p.MaxLinks == 0 {
		p.MaxLinks = n.MaxLinks
	}
	if p.LagInterval == 0 {
		p.LagInterval = n.LagInterval
	}
	return p
}

// Setup builds the providers the configuration asks for. Call Shutdown to
// flush and stop them.
func Setup(ctx context.Context, cfg Config, set Settings) (*Providers, error) {
	if set.Getenv == nil {
		set.Getenv = os.Getenv
	}
	if set.Logger == nil {
		set.Logger = slog.New(slog.DiscardHandler)
	}
	r, err := cfg.resolve(set.Getenv)
	if err != nil {
		return nil, err
	}
	p := Noop()
	p.MaxLinks, p.LagInterval = r.Traces.MaxLinks, r.Metrics.LagInterval
	if !r.traces && !r.metricsOTLP && !r.prometheus {
		return p, nil
	}
	res, err := newResource(ctx, r, set)
	if err != nil {
		return nil, err
	}
	if r.traces {
		exp, err := newSpanExporter(ctx, r.OTLP)
		if err != nil {
			return nil, fmt.Errorf("creating the OTLP trace exporter: %w", err)
		}
		tp := sdktrace.NewTracerProvider(
			sdktrace.WithBatcher(exp),
			sdktrace.WithResource(res),
			sdktrace.WithSampler(Sampler(r.ratio)),
		)
		p.TracerProvider, p.SampleRatio, p.presample = tp, r.ratio, true
		p.shutdown = append(p.shutdown, tp.Shutdown)
	}
	var readers []sdkmetric.Option
	if r.metricsOTLP {
		exp, err := newMetricExporter(ctx, r.OTLP)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("creating the OTLP metric exporter: %w", err), p.Shutdown(ctx))
		}
		readers = append(readers, sdkmetric.WithReader(
			sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(r.Metrics.Interval))))
	}
	if r.prometheus {
		opt, err := p.servePrometheus(r.Metrics.PrometheusListen, set.Logger)
		if err != nil {
			return nil, errors.Join(err, p.Shutdown(ctx))
		}
		readers = append(readers, opt)
	}
	if len(readers) > 0 {
		mp := sdkmetric.NewMeterProvider(append(readers, sdkmetric.WithResource(res))...)
		p.MeterProvider = mp
		// Flushed before the exporters' servers stop: first in, last out.
		p.shutdown = append([]func(context.Context) error{mp.Shutdown}, p.shutdown...)
	}
	return p, nil
}

// Shutdown flushes what is pending and stops the exporters; ctx bounds it.
func (p *Providers) Shutdown(ctx context.Context) error {
	var errs []error
	for _, fn := range p.shutdown {
		errs = append(errs, fn(ctx))
	}
	p.shutdown = nil
	return errors.Join(errs...)
}

func newResource(ctx context.Context, r resolved, set Settings) (*resource.Resource, error) {
	attrs := semconvAttrs(r.ServiceName, set.Version)
	for k, v := range r.ResourceAttributes {
		attrs = append(attrs, attribute.String(k, v))
	}
	// Later options win: the environment, then the file.
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithHost(),
		resource.WithProcessPID(),
		resource.WithFromEnv(),
		resource.WithAttributes(attrs...),
	)
	if err != nil && res == nil {
		return nil, fmt.Errorf("describing the telemetry resource: %w", err)
	}
	return res, nil
}

// servePrometheus starts the scrape endpoint and returns its reader.
func (p *Providers) servePrometheus(addr string, logger *slog.Logger) (sdkmetric.Option, error) {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, fmt.Errorf("creating the Prometheus exporter: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening for Prometheus scrapes on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			logger.Error("Prometheus scrape endpoint stopped", "addr", ln.Addr().String(), "err", err)
		}
	}()
	p.PrometheusAddr, p.PrometheusListen, p.promMux = ln.Addr().String(), addr, mux
	p.shutdown = append(p.shutdown, func(ctx context.Context) error {
		err := srv.Shutdown(ctx)
		<-done
		return err
	})
	return sdkmetric.WithReader(exp), nil
}

// semconvAttrs names the service.
func semconvAttrs(name, version string) []attribute.KeyValue {
	attrs := []attribute.KeyValue{semconv.ServiceName(name)}
	if version != "" {
		attrs = append(attrs, semconv.ServiceVersion(version))
	}
	return attrs
}

// Sampler is sluice's sampler: a span with a parent follows its parent's
// decision (a record carrying a traceparent follows the producer's); a root
// span is sampled when the record tracer drew it already, or when it links
// to a sampled span (a round holding a traced record), else with
// probability ratio.
func Sampler(ratio float64) sdktrace.Sampler {
	return sdktrace.ParentBased(linkSampler{ratio: sdktrace.TraceIDRatioBased(ratio)})
}

// linkSampler samples a root span that links to a sampled span, so a
// round's trace (seal, upload, commit) is recorded whenever it holds a
// traced record; other roots are left to the ratio.
type linkSampler struct{ ratio sdktrace.Sampler }

func (s linkSampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	for _, a := range p.Attributes {
		if a == attrSampledByRatio {
			return sdktrace.SamplingResult{Decision: sdktrace.RecordAndSample}
		}
	}
	for _, l := range p.Links {
		if l.SpanContext.IsSampled() {
			return sdktrace.SamplingResult{Decision: sdktrace.RecordAndSample,
				Tracestate: trace.SpanContextFromContext(p.ParentContext).TraceState()}
		}
	}
	return s.ratio.ShouldSample(p)
}

func (s linkSampler) Description() string {
	return "LinkSampled{" + s.ratio.Description() + "}"
}
