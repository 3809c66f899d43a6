package telemetry

import (
	"fmt"
	"strings"
	"time"

	"github.com/sluicehq/sluice/conf"
)

// Exporter and protocol names.
const (
	ExporterOTLP       = "otlp"
	ExporterPrometheus = "prometheus"
	ExporterNone       = "none"

	ProtocolGRPC = "grpc"
	ProtocolHTTP = "http/protobuf"
)

// Config is the telemetry section of sluice's configuration. Every field
// has a standard OTEL_* environment variable; a value set in the file wins,
// the variable applies where the file is silent, then the default (the rule
// of the OpenTelemetry SDKs: explicit configuration over the environment).
type Config struct {
	// ServiceName is the service.name resource attribute (OTEL_SERVICE_NAME).
	// Default "sluice".
	ServiceName string `yaml:"service_name"`
	// ResourceAttributes are added to every span and metric
	// (OTEL_RESOURCE_ATTRIBUTES), e.g. deployment.environment: prod.
	ResourceAttributes map[string]string `yaml:"resource_attributes,omitempty"`
	// Traces configures tracing.
	Traces Traces `yaml:"traces"`
	// Metrics configures metrics.
	Metrics Metrics `yaml:"metrics"`
	// OTLP says where and how traces and metrics are exported over OTLP.
	OTLP OTLP `yaml:"otlp"`
}

// Traces configures tracing.
type Traces struct {
	// Exporter is "otlp" or "none" (OTEL_TRACES_EXPORTER). Default: "otlp"
	// when an OTLP endpoint is configured (here or in
	// OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
	// else "none".
	Exporter string `yaml:"exporter"`
	// SampleRatio is the share of Kafka records traced, from 0 to 1, unless
	// the record carries a W3C traceparent, whose sampled flag decides
	// (parent-based). Default: OTEL_TRACES_SAMPLER_ARG with
	// OTEL_TRACES_SAMPLER=parentbased_traceidratio, else 0.001.
	SampleRatio *float64 `yaml:"sample_ratio"`
	// MaxLinks caps the links from a round's seal, upload and commit spans
	// to the traced records it holds; the rest are counted in the
	// sluice.links.dropped attribute. Default 128.
	MaxLinks int `yaml:"max_links"`
}

// Metrics configures metrics.
type Metrics struct {
	// Exporters lists "otlp" and/or "prometheus", or is ["none"]
	// (OTEL_METRICS_EXPORTER, comma-separated). Default: ["otlp"] when an
	// OTLP endpoint is configured, else none.
	Exporters []string `yaml:"exporters,omitempty"`
	// Interval is how often metrics are pushed over OTLP
	// (OTEL_METRIC_EXPORT_INTERVAL, milliseconds). Default 30s.
	Interval time.Duration `yaml:"interval"`
	// PrometheusListen is the address of the Prometheus scrape endpoint
	// (/metrics) when the prometheus exporter is on
	// (OTEL_EXPORTER_PROMETHEUS_HOST and _PORT). Default "localhost:9464".
	PrometheusListen string `yaml:"prometheus_listen"`
	// LagInterval is how often the brokers' high watermarks are polled for
	// the lag gauges (sluice.lag.records, sluice.lag.seconds). Default 15s.
	LagInterval time.Duration `yaml:"lag_interval"`
}

// OTLP configures the OTLP exporters. Fields left empty fall back to the
// OTEL_EXPORTER_OTLP_* variables, read by the exporters themselves.
type OTLP struct {
	// Endpoint is a URL ("http://collector:4317", "https://otlp.example.com")
	// or host:port (OTEL_EXPORTER_OTLP_ENDPOINT).
	Endpoint string `yaml:"endpoint"`
	// Protocol is "grpc" or "http/protobuf" (OTEL_EXPORTER_OTLP_PROTOCOL).
	// Default "grpc".
	Protocol string `yaml:"protocol"`
	// Headers are sent with every export, e.g. an API key
	// (OTEL_EXPORTER_OTLP_HEADERS).
	Headers map[string]string `yaml:"headers,omitempty"`
	// Insecure sends without TLS (OTEL_EXPORTER_OTLP_INSECURE); an http://
	// endpoint implies it.
	Insecure bool `yaml:"insecure"`
	// TLS configures a TLS connection (OTEL_EXPORTER_OTLP_CERTIFICATE,
	// _CLIENT_CERTIFICATE, _CLIENT_KEY).
	TLS TLS `yaml:"tls"`
	// Compression is "gzip" or "none" (OTEL_EXPORTER_OTLP_COMPRESSION).
	Compression string `yaml:"compression"`
	// Timeout bounds one export (OTEL_EXPORTER_OTLP_TIMEOUT). Default 10s.
	Timeout time.Duration `yaml:"timeout"`
}

// TLS names PEM files.
type TLS struct {
	// CAFile verifies the collector's certificate (default: the system's).
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are the client certificate, for mutual TLS.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// DefaultConfig returns the telemetry configuration a file starts from:
// everything unset, so the environment and then the defaults apply.
func DefaultConfig() Config { return Config{} }

// Validate reports every problem of the configuration, each a
// *conf.FieldError naming its YAML path relative to the telemetry section.
func (c Config) Validate() error {
	var errs conf.Errors
	switch c.Traces.Exporter {
	case "", ExporterOTLP, ExporterNone:
	default:
		errs.Addf("traces.exporter", "unknown exporter %q (want otlp, none)", c.Traces.Exporter)
	}
	if r := c.Traces.SampleRatio; r != nil && (*r < 0 || *r > 1) {
		errs.Addf("traces.sample_ratio", "must be from 0 to 1, got %g", *r)
	}
	if c.Traces.MaxLinks < 0 {
		errs.Addf("traces.max_links", "must not be negative, got %d", c.Traces.MaxLinks)
	}
	for i, e := range c.Metrics.Exporters {
		switch e {
		case ExporterOTLP, ExporterPrometheus:
		case ExporterNone:
			if len(c.Metrics.Exporters) > 1 {
				errs.Addf(conf.Index("metrics.exporters", i), "none excludes the other exporters")
			}
		default:
			errs.Addf(conf.Index("metrics.exporters", i), "unknown exporter %q (want otlp, prometheus, none)", e)
		}
	}
	if c.Metrics.Interval < 0 {
		errs.Addf("metrics.interval", "must be positive, got %s", c.Metrics.Interval)
	}
	if c.Metrics.LagInterval < 0 {
		errs.Addf("metrics.lag_interval", "must be positive, got %s", c.Metrics.LagInterval)
	}
	switch c.OTLP.Protocol {
	case "", ProtocolGRPC, ProtocolHTTP:
	default:
		errs.Addf("otlp.protocol", "unknown protocol %q (want grpc, http/protobuf)", c.OTLP.Protocol)
	}
	switch c.OTLP.Compression {
	case "", "gzip", "none":
	default:
		errs.Addf("otlp.compression", "unknown compression %q (want gzip, none)", c.OTLP.Compression)
	}
	if (c.OTLP.TLS.CertFile == "") != (c.OTLP.TLS.KeyFile == "") {
		errs.Addf("otlp.tls", "cert_file and key_file go together")
	}
	if c.OTLP.Timeout < 0 {
		errs.Addf("otlp.timeout", "must be positive, got %s", c.OTLP.Timeout)
	}
	return errs.Err()
}

// Redacted returns c with the OTLP header values (API keys, tokens)
// replaced by "REDACTED".
func (c Config) Redacted() Config {
	if len(c.OTLP.Headers) > 0 {
		h := make(map[string]string, len(c.OTLP.Headers))
		for k := range c.OTLP.Headers {
			h[k] = "REDACTED"
		}
		c.OTLP.Headers = h
	}
	return c
}

// resolved is a Config with the environment and the defaults applied.
type resolved struct {
	Config
	traces      bool
	metricsOTLP bool
	prometheus  bool
	ratio       float64
}

// Defaults: one Kafka record in a thousand traced, up to 128 links from a
// round's spans to its records.
const (
	defaultSampleRatio = 0.001
	defaultMaxLinks    = 128
	defaultLagInterval = 15 * time.Second
)

// resolve applies the environment (getenv) and the defaults.
func (c Config) resolve(getenv func(string) string) (resolved, error) {
	r := resolved{Config: c}
	if r.ServiceName == "" {
		r.ServiceName = getenv("OTEL_SERVICE_NAME")
	}
	if r.ServiceName == "" {
		r.ServiceName = "sluice"
	}
	if r.OTLP.Protocol == "" {
		r.OTLP.Protocol = getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	if r.OTLP.Protocol == "" {
		r.OTLP.Protocol = ProtocolGRPC
	}
	if r.OTLP.Protocol != ProtocolGRPC && r.OTLP.Protocol != ProtocolHTTP {
		return r, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%q: want grpc or http/protobuf", r.OTLP.Protocol)
	}
	endpoint := func(signal string) bool {
		return r.OTLP.Endpoint != "" || getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" ||
			getenv("OTEL_EXPORTER_OTLP_"+signal+"_ENDPOINT") != ""
	}

	exp := r.Traces.Exporter
	if exp == "" {
		exp = getenv("OTEL_TRACES_EXPORTER")
	}
	switch exp {
	case "":
		r.traces = endpoint("TRACES")
	case ExporterOTLP:
		r.traces = true
	case ExporterNone:
	default:
		return r, fmt.Errorf("OTEL_TRACES_EXPORTER=%q: want otlp or none", exp)
	}

	r.ratio = defaultSampleRatio
	if c.Traces.SampleRatio != nil {
		r.ratio = *c.Traces.SampleRatio
	} else if s := getenv("OTEL_TRACES_SAMPLER"); s != "" {
		ratio, err := envSampler(s, getenv("OTEL_TRACES_SAMPLER_ARG"))
		if err != nil {
			return r, err
		}
		r.ratio = ratio
	}
	if r.Traces.MaxLinks == 0 {
		r.Traces.MaxLinks = defaultMaxLinks
	}

	exps := r.Metrics.Exporters
	if len(exps) == 0 {
		if env := getenv("OTEL_METRICS_EXPORTER"); env != "" {
			exps = strings.Split(env, ",")
		} else if endpoint("METRICS") {
			exps = []string{ExporterOTLP}
		}
	}
	for _, e := range exps {
		switch strings.TrimSpace(e) {
		case ExporterOTLP:
			r.metricsOTLP = true
		case ExporterPrometheus:
			r.prometheus = true
		case ExporterNone, "":
		default:
			return r, fmt.Errorf("OTEL_METRICS_EXPORTER: unknown exporter %q (want otlp, prometheus, none)", e)
		}
	}
	if r.Metrics.Interval == 0 {
		if ms := getenv("OTEL_METRIC_EXPORT_INTERVAL"); ms != "" {
			d, err := time.ParseDuration(ms + "ms")
			if err != nil || d <= 0 {
				return r, fmt.Errorf("OTEL_METRIC_EXPORT_INTERVAL=%q: want a positive number of milliseconds", ms)
			}
			r.Metrics.Interval = d
		}
	}
	if r.Metrics.Interval == 0 {
		r.Metrics.Interval = 30 * time.Second
	}
	if r.Metrics.LagInterval == 0 {
		r.Metrics.LagInterval = defaultLagInterval
	}
	if r.Metrics.PrometheusListen == "" {
		host, port := getenv("OTEL_EXPORTER_PROMETHEUS_HOST"), getenv("OTEL_EXPORTER_PROMETHEUS_PORT")
		if host == "" {
			host = "localhost"
		}
		if port == "" {
			port = "9464"
		}
		r.Metrics.PrometheusListen = host + ":" + port
	}
	return r, nil
}

// envSampler reads OTEL_TRACES_SAMPLER and its argument as a parent-based
// ratio: the samplers sluice offers are all of that shape.
func envSampler(name, arg string) (float64, error) {
	switch name {
	case "always_on", "parentbased_always_on":
		return 1, nil
	case "always_off", "parentbased_always_off":
		return 0, nil
	case "traceidratio", "parentbased_traceidratio":
		if arg == "" {
			return 1, nil // the SDKs' default argument
		}
		var ratio float64
		if _, err := fmt.Sscanf(arg, "%g", &ratio); err != nil || ratio < 0 || ratio > 1 {
			return 0, fmt.Errorf("OTEL_TRACES_SAMPLER_ARG=%q: want a ratio from 0 to 1", arg)
		}
		return ratio, nil
	default:
		return 0, fmt.Errorf("OTEL_TRACES_SAMPLER=%q: want parentbased_traceidratio, traceidratio, always_on or always_off", name)
	}
}
