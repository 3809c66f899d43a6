package otlpmetrics_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/sluicehq/sluice/testing/otlpmetrics"
)

// newProvider returns a meter provider that exports to exp only when
// flushed (the periodic interval is an hour), shut down with the test.
func newProvider(t *testing.T, exp sdkmetric.Exporter) *sdkmetric.MeterProvider {
	t.Helper()
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(time.Hour))),
		sdkmetric.WithResource(resource.NewSchemaless(attribute.String("service.name", "harness"))),
	)
	t.Cleanup(func() { require.NoError(t, mp.Shutdown(context.WithoutCancel(t.Context()))) })
	return mp
}

func TestSDKExportsRoundTrip(t *testing.T) {
	r := otlpmetrics.Start(t)
	tests := []struct {
		name     string
		exporter func(t *testing.T) sdkmetric.Exporter
	}{
		{"otlp_grpc", func(t *testing.T) sdkmetric.Exporter {
			exp, err := otlpmetricgrpc.New(t.Context(), otlpmetricgrpc.WithEndpoint(r.GRPCEndpoint()),
				otlpmetricgrpc.WithInsecure(), otlpmetricgrpc.WithCompressor("gzip"))
			require.NoError(t, err)
			return exp
		}},
		{"otlp_http", func(t *testing.T) sdkmetric.Exporter {
			exp, err := otlpmetrichttp.New(t.Context(), otlpmetrichttp.WithEndpoint(r.HTTPEndpoint()),
				otlpmetrichttp.WithInsecure(), otlpmetrichttp.WithCompression(otlpmetrichttp.GzipCompression))
			require.NoError(t, err)
			return exp
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mp := newProvider(t, tt.exporter(t))
			meter := mp.Meter("receiver_test")
			prefix := tt.name + "."
			records, err := meter.Int64Counter(prefix+"records", metric.WithUnit("{record}"))
			require.NoError(t, err)
			latency, err := meter.Float64Histogram(prefix+"latency", metric.WithUnit("s"),
				metric.WithExplicitBucketBoundaries(0.1, 1))
			require.NoError(t, err)
			a := metric.WithAttributes(attribute.String("topic", "a"), attribute.Int("partition", 0))
			b := metric.WithAttributes(attribute.String("topic", "b"), attribute.Int("partition", 0))

			records.Add(t.Context(), 3, a)
			records.Add(t.Context(), 10, b)
			latency.Record(t.Context(), 0.05, a)
			latency.Record(t.Context(), 0.5, a)
			latency.Record(t.Context(), 5, a)
			require.NoError(t, mp.ForceFlush(t.Context()))
			records.Add(t.Context(), 4, a)
			require.NoError(t, mp.ForceFlush(t.Context()))

			p, err := r.WaitLatest(t.Context(), prefix+"records", func(p otlpmetrics.Point) bool { return p.Value == 7 },
				attribute.String("topic", "a"))
			require.NoError(t, err)
			assert.Equal(t, otlpmetrics.KindSum, p.Kind)
			assert.True(t, p.Monotonic)
			assert.Equal(t, metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE, p.Temporality)
			assert.Equal(t, "{record}", p.Unit)
			assert.Equal(t, map[string]any{"topic": "a", "partition": int64(0)}, p.Attributes)
			assert.Equal(t, "harness", p.Resource["service.name"])
			assert.Equal(t, "receiver_test", p.Scope)

			pb, ok := r.Latest(prefix+"records", attribute.String("topic", "b"), attribute.Int("partition", 0))
			require.True(t, ok)
			assert.InDelta(t, 10.0, pb.Value, 0)
			_, ok = r.Latest(prefix+"records", attribute.String("topic", "c"))
			assert.False(t, ok)
			assert.Len(t, r.Points(prefix+"records", attribute.String("topic", "a")), 2, "one point per flush")

			h, ok := r.Latest(prefix+"latency", attribute.String("topic", "a"))
			require.True(t, ok)
			assert.Equal(t, otlpmetrics.KindHistogram, h.Kind)
			assert.Equal(t, uint64(3), h.Count)
			assert.InDelta(t, 5.55, h.Sum, 1e-9)
			assert.Equal(t, []float64{0.1, 1}, h.Bounds)
			assert.Equal(t, []uint64{1, 1, 1}, h.BucketCounts)
			assert.Contains(t, r.Names(), prefix+"latency")
		})
	}
}

func TestKeepsTheLastRequests(t *testing.T) {
	r := otlpmetrics.StartConfig(t, otlpmetrics.Config{MaxRequests: 2})
	exp, err := otlpmetricgrpc.New(t.Context(), otlpmetricgrpc.WithEndpoint(r.GRPCEndpoint()), otlpmetricgrpc.WithInsecure())
	require.NoError(t, err)
	mp := newProvider(t, exp)
	gauge, err := mp.Meter("receiver_test").Int64Gauge("lag")
	require.NoError(t, err)
	for i := range 5 {
		gauge.Record(t.Context(), int64(i))
		require.NoError(t, mp.ForceFlush(t.Context()))
	}
	assert.Equal(t, 5, r.Received())
	require.Len(t, r.Requests(), 2)
	points := r.Points("lag")
	require.Len(t, points, 2)
	assert.Equal(t, []float64{3, 4}, []float64{points[0].Value, points[1].Value}, "oldest first")
	p, ok := r.Latest("lag")
	require.True(t, ok)
	assert.Equal(t, otlpmetrics.KindGauge, p.Kind)
	assert.InDelta(t, 4.0, p.Value, 0)
}

func TestHTTPJSONAndErrors(t *testing.T) {
	r := otlpmetrics.Start(t)
	req := &colmetricspb.ExportMetricsServiceRequest{ResourceMetrics: []*metricspb.ResourceMetrics{{
		ScopeMetrics: []*metricspb.ScopeMetrics{{Metrics: []*metricspb.Metric{{
			Name: "files",
			Data: &metricspb.Metric_Sum{Sum: &metricspb.Sum{DataPoints: []*metricspb.NumberDataPoint{{
				Attributes: []*commonpb.KeyValue{{Key: "topic", Value: &commonpb.AnyValue{
					Value: &commonpb.AnyValue_StringValue{StringValue: "t"}}}},
				TimeUnixNano: 1,
				Value:        &metricspb.NumberDataPoint_AsInt{AsInt: 12},
			}}}},
		}}}},
	}}}
	body, err := protojson.Marshal(req)
	require.NoError(t, err)
	url := "http://" + r.HTTPEndpoint() + "/v1/metrics"

	tests := []struct {
		name, ctype string
		want        int
	}{
		{"json", "application/json", http.StatusOK},
		{"unknown type", "text/plain", http.StatusUnsupportedMediaType},
		{"json as protobuf", "application/x-protobuf", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hreq, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
			require.NoError(t, err)
			hreq.Header.Set("Content-Type", tt.ctype)
			resp, err := http.DefaultClient.Do(hreq)
			require.NoError(t, err)
			_ = resp.Body.Close()
			assert.Equal(t, tt.want, resp.StatusCode)
		})
	}
	assert.Equal(t, 1, r.Received())
	p, ok := r.Latest("files", attribute.String("topic", "t"))
	require.True(t, ok)
	assert.InDelta(t, 12.0, p.Value, 0)

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err = r.WaitLatest(ctx, "missing", nil)
	require.ErrorIs(t, err, otlpmetrics.ErrNotFound)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}
