package pipeline_test

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sluicehq/sluice/pipeline"
	"github.com/sluicehq/sluice/telemetry"
	"github.com/sluicehq/sluice/testing/pipelinetest"
)

// testConfig archives topics from brokers to destURL with small rounds
// (pipelinetest.Config) and a 24h event span, so no round here seals on it.
func testConfig(t *testing.T, brokers []string, destURL string, topics ...string) pipeline.Config {
	t.Helper()
	cfg := pipelinetest.Config(t, brokers, destURL, topics...)
	cfg.Defaults.Policy.MaxEventSpan = 24 * time.Hour
	return cfg
}

// metered returns telemetry recording metrics into a manual reader, with
// the high watermarks polled every 100ms.
func metered() (*telemetry.Providers, *sdkmetric.ManualReader) {
	r := sdkmetric.NewManualReader()
	return (&telemetry.Providers{
		MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(r)),
		LagInterval:   100 * time.Millisecond,
	}).Complete(), r
}

// runPipeline runs p in the background until the test ends; stop shuts it
// down gracefully and returns Run's error.
func runPipeline(t *testing.T, cfg pipeline.Config, set pipeline.Settings) (p *pipeline.Pipeline, stop func() error) {
	t.Helper()
	p, err := pipeline.New(cfg, set)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	var runErr error
	stopped := false
	stop = func() error {
		if !stopped {
			cancel()
			runErr, stopped = <-done, true
		}
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return p, stop
}

// snapshot is one collection of a manual reader, by instrument name.
type snapshot map[string]metricdata.Aggregation

func collect(t *testing.T, r *sdkmetric.ManualReader) snapshot {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, r.Collect(t.Context(), &rm))
	s := snapshot{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			s[m.Name] = m.Data
		}
	}
	return s
}

// has reports whether attrs hold every one of kv.
func has(attrs attribute.Set, kv []attribute.KeyValue) bool {
	for _, want := range kv {
		if got, ok := attrs.Value(want.Key); !ok || got != want.Value {
			return false
		}
	}
	return true
}

// int sums the int64 points of name whose attributes hold kv; ok is false
// when there is none.
func (s snapshot) int(name string, kv ...attribute.KeyValue) (sum int64, ok bool) {
	var points []metricdata.DataPoint[int64]
	switch d := s[name].(type) {
	case metricdata.Sum[int64]:
		points = d.DataPoints
	case metricdata.Gauge[int64]:
		points = d.DataPoints
	}
	for _, dp := range points {
		if has(dp.Attributes, kv) {
			sum, ok = sum+dp.Value, true
		}
	}
	return sum, ok
}

// n is int without ok: 0 when there is no point.
func (s snapshot) n(name string, kv ...attribute.KeyValue) int64 {
	v, _ := s.int(name, kv...)
	return v
}

// float returns the float64 gauge point of name with attributes kv.
func (s snapshot) float(name string, kv ...attribute.KeyValue) (float64, bool) {
	d, _ := s[name].(metricdata.Gauge[float64])
	for _, dp := range d.DataPoints {
		if has(dp.Attributes, kv) {
			return dp.Value, true
		}
	}
	return 0, false
}

// histCount counts the values recorded in histogram name with attributes kv.
func (s snapshot) histCount(name string, kv ...attribute.KeyValue) uint64 {
	d, _ := s[name].(metricdata.Histogram[float64])
	var n uint64
	for _, dp := range d.DataPoints {
		if has(dp.Attributes, kv) {
			n += dp.Count
		}
	}
	return n
}

// waitFor collects until cond holds or the timeout passes.
func waitFor(t *testing.T, r *sdkmetric.ManualReader, timeout time.Duration, what string, cond func(snapshot) bool) snapshot {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := collect(t, r)
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func topicAttr(topic string) attribute.KeyValue { return telemetry.AttrDestinationName.String(topic) }

func partAttr(p int32) attribute.KeyValue {
	return telemetry.AttrDestinationPartition.String(strconv.Itoa(int(p)))
}

func testLogger(t *testing.T) *slog.Logger { return pipelinetest.Logger(t) }
