package telemetry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc/credentials"
)

// optionSet is how one OTLP exporter package spells the options sluice
// sets. Options left unset are read by the exporter from the
// OTEL_EXPORTER_OTLP_* variables.
type optionSet[O any] struct {
	endpointURL, endpoint func(string) O
	insecure              func() O
	headers               func(map[string]string) O
	tls                   func(*tls.Config) O
	gzip                  func() O
	timeout               func(time.Duration) O
}

func (s optionSet[O]) build(c OTLP) ([]O, error) {
	tlsCfg, err := c.tlsConfig()
	if err != nil {
		return nil, err
	}
	var opts []O
	switch {
	case strings.Contains(c.Endpoint, "://"):
		opts = append(opts, s.endpointURL(c.Endpoint))
	case c.Endpoint != "":
		opts = append(opts, s.endpoint(c.Endpoint))
	}
	if c.Insecure {
		opts = append(opts, s.insecure())
	}
	if len(c.Headers) > 0 {
		opts = append(opts, s.headers(c.Headers))
	}
	if tlsCfg != nil {
		opts = append(opts, s.tls(tlsCfg))
	}
	if c.Compression == "gzip" {
		opts = append(opts, s.gzip())
	}
	if c.Timeout > 0 {
		opts = append(opts, s.timeout(c.Timeout))
	}
	return opts, nil
}

func newSpanExporter(ctx context.Context, c OTLP) (sdktrace.SpanExporter, error) {
	if c.Protocol == ProtocolHTTP {
		opts, err := optionSet[otlptracehttp.Option]{
			endpointURL: otlptracehttp.WithEndpointURL, endpoint: otlptracehttp.WithEndpoint,
			insecure: otlptracehttp.WithInsecure, headers: otlptracehttp.WithHeaders,
			tls: otlptracehttp.WithTLSClientConfig, timeout: otlptracehttp.WithTimeout,
			gzip: func() otlptracehttp.Option { return otlptracehttp.WithCompression(otlptracehttp.GzipCompression) },
		}.build(c)
		if err != nil {
			return nil, err
		}
		return otlptracehttp.New(ctx, opts...)
	}
	opts, err := optionSet[otlptracegrpc.Option]{
		endpointURL: otlptracegrpc.WithEndpointURL, endpoint: otlptracegrpc.WithEndpoint,
		insecure: otlptracegrpc.WithInsecure, headers: otlptracegrpc.WithHeaders,
		tls: func(t *tls.Config) otlptracegrpc.Option {
			return otlptracegrpc.WithTLSCredentials(credentials.NewTLS(t))
		},
		timeout: otlptracegrpc.WithTimeout,
		gzip:    func() otlptracegrpc.Option { return otlptracegrpc.WithCompressor("gzip") },
	}.build(c)
	if err != nil {
		return nil, err
	}
	return otlptracegrpc.New(ctx, opts...)
}

func newMetricExporter(ctx context.Context, c OTLP) (sdkmetric.Exporter, error) {
	if c.Protocol == ProtocolHTTP {
		opts, err := optionSet[otlpmetrichttp.Option]{
			endpointURL: otlpmetrichttp.WithEndpointURL, endpoint: otlpmetrichttp.WithEndpoint,
			insecure: otlpmetrichttp.WithInsecure, headers: otlpmetrichttp.WithHeaders,
			tls: otlpmetrichttp.WithTLSClientConfig, timeout: otlpmetrichttp.WithTimeout,
			gzip: func() otlpmetrichttp.Option { return otlpmetrichttp.WithCompression(otlpmetrichttp.GzipCompression) },
		}.build(c)
		if err != nil {
			return nil, err
		}
		return otlpmetrichttp.New(ctx, opts...)
	}
	opts, err := optionSet[otlpmetricgrpc.Option]{
		endpointURL: otlpmetricgrpc.WithEndpointURL, endpoint: otlpmetricgrpc.WithEndpoint,
		insecure: otlpmetricgrpc.WithInsecure, headers: otlpmetricgrpc.WithHeaders,
		tls: func(t *tls.Config) otlpmetricgrpc.Option {
			return otlpmetricgrpc.WithTLSCredentials(credentials.NewTLS(t))
		},
		timeout: otlpmetricgrpc.WithTimeout,
		gzip:    func() otlpmetricgrpc.Option { return otlpmetricgrpc.WithCompressor("gzip") },
	}.build(c)
	if err != nil {
		return nil, err
	}
	return otlpmetricgrpc.New(ctx, opts...)
}

// tlsConfig builds the TLS configuration the file asks for; nil when it
// names no file (the exporters then use the system's roots, or the
// OTEL_EXPORTER_OTLP_CERTIFICATE variables).
func (c OTLP) tlsConfig() (*tls.Config, error) {
	t := c.TLS
	if t.CAFile == "" && t.CertFile == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading otlp.tls.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.New("otlp.tls.ca_file holds no PEM certificate")
		}
		cfg.RootCAs = pool
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("loading otlp.tls.cert_file and key_file: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
