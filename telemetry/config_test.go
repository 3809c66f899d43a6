package telemetry

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/conf"
)

func ratio(r float64) *float64 { return &r }

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"empty", Config{}, nil},
		{"everything", Config{
			Traces:  Traces{Exporter: ExporterOTLP, SampleRatio: ratio(0.5), MaxLinks: 10},
			Metrics: Metrics{Exporters: []string{ExporterOTLP, ExporterPrometheus}, Interval: time.Second},
			OTLP:    OTLP{Protocol: ProtocolHTTP, Compression: "gzip", TLS: TLS{CertFile: "c", KeyFile: "k"}},
		}, nil},
		{"bad values", Config{
			Traces:  Traces{Exporter: "jaeger", SampleRatio: ratio(1.5), MaxLinks: -1},
			Metrics: Metrics{Exporters: []string{"statsd", ExporterNone}, Interval: -time.Second},
			OTLP:    OTLP{Protocol: "http/json", Compression: "zstd", TLS: TLS{CertFile: "c"}, Timeout: -1},
		}, []string{
			`traces.exporter: unknown exporter "jaeger" (want otlp, none)`,
			"traces.sample_ratio: must be from 0 to 1, got 1.5",
			"traces.max_links: must not be negative, got -1",
			`metrics.exporters[0]: unknown exporter "statsd" (want otlp, prometheus, none)`,
			"metrics.exporters[1]: none excludes the other exporters",
			"metrics.interval: must be positive, got -1s",
			`otlp.protocol: unknown protocol "http/json" (want grpc, http/protobuf)`,
			`otlp.compression: unknown compression "zstd" (want gzip, none)`,
			"otlp.tls: cert_file and key_file go together",
			"otlp.timeout: must be positive, got -1ns",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, conf.Messages(tt.cfg.Validate()))
		})
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		env     map[string]string
		traces  bool
		otlp    bool
		prom    bool
		ratio   float64
		service string
		proto   string
		every   time.Duration
		listen  string
		err     string
	}{
		{name: "nothing configured: all off", ratio: defaultSampleRatio, service: "sluice",
			proto: ProtocolGRPC, every: 30 * time.Second, listen: "localhost:9464"},
		{name: "an endpoint in the file turns OTLP on",
			cfg:    Config{OTLP: OTLP{Endpoint: "http://collector:4317"}},
			traces: true, otlp: true, ratio: defaultSampleRatio, service: "sluice",
			proto: ProtocolGRPC, every: 30 * time.Second, listen: "localhost:9464"},
		{name: "the environment applies where the file is silent",
			env: map[string]string{
				"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces",
				"OTEL_SERVICE_NAME":                  "archiver",
				"OTEL_EXPORTER_OTLP_PROTOCOL":        "http/protobuf",
				"OTEL_TRACES_SAMPLER":                "parentbased_traceidratio",
				"OTEL_TRACES_SAMPLER_ARG":            "0.25",
				"OTEL_METRICS_EXPORTER":              "prometheus",
				"OTEL_METRIC_EXPORT_INTERVAL":        "5000",
				"OTEL_EXPORTER_PROMETHEUS_PORT":      "9999",
			},
			traces: true, prom: true, ratio: 0.25, service: "archiver",
			proto: ProtocolHTTP, every: 5 * time.Second, listen: "localhost:9999"},
		{name: "the file wins over the environment",
			cfg: Config{ServiceName: "file", Traces: Traces{Exporter: ExporterNone, SampleRatio: ratio(0.5)},
				Metrics: Metrics{Exporters: []string{ExporterOTLP}, Interval: time.Minute, PrometheusListen: ":1"},
				OTLP:    OTLP{Protocol: ProtocolGRPC}},
			env: map[string]string{"OTEL_SERVICE_NAME": "env", "OTEL_TRACES_EXPORTER": "otlp",
				"OTEL_TRACES_SAMPLER": "always_on", "OTEL_METRICS_EXPORTER": "none",
				"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "OTEL_METRIC_EXPORT_INTERVAL": "1"},
			otlp: true, ratio: 0.5, service: "file", proto: ProtocolGRPC, every: time.Minute, listen: ":1"},
		{name: "always_off", env: map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_TRACES_SAMPLER": "always_off"},
			traces: true, ratio: 0, service: "sluice", proto: ProtocolGRPC, every: 30 * time.Second, listen: "localhost:9464"},
		{name: "bad sampler", env: map[string]string{"OTEL_TRACES_SAMPLER": "jaeger_remote"},
			err: `OTEL_TRACES_SAMPLER="jaeger_remote"`},
		{name: "bad ratio", env: map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "2"},
			err: `OTEL_TRACES_SAMPLER_ARG="2"`},
		{name: "bad exporter", env: map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"},
			err: `OTEL_TRACES_EXPORTER="zipkin"`},
		{name: "bad interval", env: map[string]string{"OTEL_METRIC_EXPORT_INTERVAL": "soon"},
			err: `OTEL_METRIC_EXPORT_INTERVAL="soon"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.cfg.resolve(func(k string) string { return tt.env[k] })
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.traces, r.traces, "traces")
			assert.Equal(t, tt.otlp, r.metricsOTLP, "otlp metrics")
			assert.Equal(t, tt.prom, r.prometheus, "prometheus")
			assert.InDelta(t, tt.ratio, r.ratio, 1e-9)
			assert.Equal(t, tt.service, r.ServiceName)
			assert.Equal(t, tt.proto, r.OTLP.Protocol)
			assert.Equal(t, tt.every, r.Metrics.Interval)
			assert.Equal(t, tt.listen, r.Metrics.PrometheusListen)
			assert.Equal(t, 128, r.Traces.MaxLinks)
		})
	}
}

// TestSetupPrometheus serves a counter on the scrape endpoint.
func TestSetupPrometheus(t *testing.T) {
	p, err := Setup(t.Context(), Config{Metrics: Metrics{Exporters: []string{ExporterPrometheus},
		PrometheusListen: "127.0.0.1:0"}}, Settings{Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	defer func() { require.NoError(t, p.Shutdown(t.Context())) }()
	c, err := p.MeterProvider.Meter(Scope).Int64Counter("sluice.test.things")
	require.NoError(t, err)
	c.Add(t.Context(), 42)
	resp, err := http.Get("http://" + p.PrometheusAddr + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Contains(t, string(body), "sluice_test_things_total")
	assert.Contains(t, string(body), `service_name="sluice"`)

	// Other endpoints share the listener.
	assert.Equal(t, "127.0.0.1:0", p.PrometheusListen)
	require.True(t, p.Handle("/extra", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "shared")
	})))
	resp2, err := http.Get("http://" + p.PrometheusAddr + "/extra")
	require.NoError(t, err)
	defer resp2.Body.Close()
	body, err = io.ReadAll(resp2.Body)
	require.NoError(t, err)
	assert.Equal(t, "shared", string(body))
}

// TestSetupOff gives no-op providers when nothing is configured.
func TestSetupOff(t *testing.T) {
	p, err := Setup(t.Context(), Config{}, Settings{Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	_, span := p.TracerProvider.Tracer(Scope).Start(t.Context(), "x")
	assert.False(t, span.IsRecording())
	assert.Zero(t, p.SampleRatio)
	assert.False(t, p.Handle("/extra", http.NotFoundHandler()), "no endpoint to share")
	require.NoError(t, p.Shutdown(t.Context()))
}
