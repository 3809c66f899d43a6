package otlpmetrics

import (
	"errors"
	"reflect"
	"time"

	"go.opentelemetry.io/otel/attribute"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
)

// ErrNotFound is returned (wrapped) by WaitLatest when no point of the
// metric with the attributes arrived.
var ErrNotFound = errors.New("metric point not found")

// Kind is a metric's data type.
type Kind int

// The metric kinds of OTLP.
const (
	KindGauge Kind = iota + 1
	KindSum
	KindHistogram
	KindExponentialHistogram
	KindSummary
)

// Point is one data point of a metric, flattened.
type Point struct {
	// Metric, Unit and Kind describe the metric the point belongs to.
	Metric string
	Unit   string
	Kind   Kind
	// Monotonic and Temporality are a sum's; Temporality also a histogram's.
	Monotonic   bool
	Temporality metricspb.AggregationTemporality
	// Attributes are the point's attributes (string, bool, int64, float64,
	// []byte, []any or map[string]any values); Resource the resource's.
	Attributes, Resource map[string]any
	// Scope is the instrumentation scope's name.
	Scope string
	// Start and Time are the point's start and observation times.
	Start, Time time.Time
	// Value is a gauge's or sum's value (integers converted).
	Value float64
	// Count and Sum are a histogram's (or exponential histogram's, or
	// summary's) count and sum of observations.
	Count uint64
	Sum   float64
	// Bounds and BucketCounts are an explicit-bucket histogram's.
	Bounds       []float64
	BucketCounts []uint64
}

// Points returns every kept point of the named metric whose attributes
// include attrs, in the order they arrived.
func (r *Receiver) Points(name string, attrs ...attribute.KeyValue) []Point {
	var out []Point
	for _, req := range r.Requests() {
		out = appendPoints(out, req, name, attrs)
	}
	return out
}

// Latest returns the kept point of the named metric, among those whose
// attributes include attrs, with the newest time (the last to arrive among
// equals). With cumulative temporality, the SDK's default, that is the
// current total; give enough attributes to pick one series.
func (r *Receiver) Latest(name string, attrs ...attribute.KeyValue) (Point, bool) {
	return latest(r.Requests(), name, attrs)
}

// Names returns the names of the metrics in the kept requests, each once.
func (r *Receiver) Names() []string {
	var names []string
	seen := make(map[string]bool)
	for _, req := range r.Requests() {
		for _, rm := range req.GetResourceMetrics() {
			for _, sm := range rm.GetScopeMetrics() {
				for _, m := range sm.GetMetrics() {
					if !seen[m.GetName()] {
						seen[m.GetName()] = true
						names = append(names, m.GetName())
					}
				}
			}
		}
	}
	return names
}

func latest(reqs []*colmetricspb.ExportMetricsServiceRequest, name string, attrs []attribute.KeyValue) (Point, bool) {
	var points []Point
	for _, req := range reqs {
		points = appendPoints(points, req, name, attrs)
	}
	if len(points) == 0 {
		return Point{}, false
	}
	best := points[0]
	for _, p := range points[1:] {
		if !p.Time.Before(best.Time) {
			best = p
		}
	}
	return best, true
}

// appendPoints appends req's points of the named metric that match attrs.
func appendPoints(out []Point, req *colmetricspb.ExportMetricsServiceRequest, name string, attrs []attribute.KeyValue) []Point {
	for _, rm := range req.GetResourceMetrics() {
		var resource map[string]any
		for _, sm := range rm.GetScopeMetrics() {
			for _, m := range sm.GetMetrics() {
				if m.GetName() != name {
					continue
				}
				if resource == nil {
					resource = attributes(rm.GetResource().GetAttributes())
				}
				base := Point{Metric: name, Unit: m.GetUnit(), Resource: resource, Scope: sm.GetScope().GetName()}
				for _, p := range metricPoints(base, m) {
					if matches(p.Attributes, attrs) {
						out = append(out, p)
					}
				}
			}
		}
	}
	return out
}

// metricPoints flattens m's data points onto base.
func metricPoints(base Point, m *metricspb.Metric) []Point {
	var out []Point
	number := func(kind Kind, dps []*metricspb.NumberDataPoint) {
		for _, dp := range dps {
			p := base
			p.Kind = kind
			p.Attributes = attributes(dp.GetAttributes())
			p.Start, p.Time = unixNano(dp.GetStartTimeUnixNano()), unixNano(dp.GetTimeUnixNano())
			switch v := dp.GetValue().(type) {
			case *metricspb.NumberDataPoint_AsDouble:
				p.Value = v.AsDouble
			case *metricspb.NumberDataPoint_AsInt:
				p.Value = float64(v.AsInt)
			}
			out = append(out, p)
		}
	}
	switch {
	case m.GetGauge() != nil:
		number(KindGauge, m.GetGauge().GetDataPoints())
	case m.GetSum() != nil:
		base.Monotonic, base.Temporality = m.GetSum().GetIsMonotonic(), m.GetSum().GetAggregationTemporality()
		number(KindSum, m.GetSum().GetDataPoints())
	case m.GetHistogram() != nil:
		for _, dp := range m.GetHistogram().GetDataPoints() {
			p := base
			p.Kind, p.Temporality = KindHistogram, m.GetHistogram().GetAggregationTemporality()
			p.Attributes = attributes(dp.GetAttributes())
			p.Start, p.Time = unixNano(dp.GetStartTimeUnixNano()), unixNano(dp.GetTimeUnixNano())
			p.Count, p.Sum = dp.GetCount(), dp.GetSum()
			p.Bounds, p.BucketCounts = dp.GetExplicitBounds(), dp.GetBucketCounts()
			out = append(out, p)
		}
	case m.GetExponentialHistogram() != nil:
		for _, dp := range m.GetExponentialHistogram().GetDataPoints() {
			p := base
			p.Kind, p.Temporality = KindExponentialHistogram, m.GetExponentialHistogram().GetAggregationTemporality()
			p.Attributes = attributes(dp.GetAttributes())
			p.Start, p.Time = unixNano(dp.GetStartTimeUnixNano()), unixNano(dp.GetTimeUnixNano())
			p.Count, p.Sum = dp.GetCount(), dp.GetSum()
			out = append(out, p)
		}
	case m.GetSummary() != nil:
		for _, dp := range m.GetSummary().GetDataPoints() {
			p := base
			p.Kind = KindSummary
			p.Attributes = attributes(dp.GetAttributes())
			p.Start, p.Time = unixNano(dp.GetStartTimeUnixNano()), unixNano(dp.GetTimeUnixNano())
			p.Count, p.Sum = dp.GetCount(), dp.GetSum()
			out = append(out, p)
		}
	}
	return out
}

// matches reports whether attrs holds every one of want.
func matches(attrs map[string]any, want []attribute.KeyValue) bool {
	for _, kv := range want {
		got, ok := attrs[string(kv.Key)]
		if !ok || !reflect.DeepEqual(got, attrValue(kv.Value)) {
			return false
		}
	}
	return true
}

// attrValue converts an OTel API value to the representation attributes uses.
func attrValue(v attribute.Value) any {
	switch v.Type() {
	case attribute.BOOLSLICE:
		return toAny(v.AsBoolSlice())
	case attribute.INT64SLICE:
		return toAny(v.AsInt64Slice())
	case attribute.FLOAT64SLICE:
		return toAny(v.AsFloat64Slice())
	case attribute.STRINGSLICE:
		return toAny(v.AsStringSlice())
	default:
		return v.AsInterface()
	}
}

func toAny[T any](s []T) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func attributes(kvs []*commonpb.KeyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[kv.GetKey()] = anyValue(kv.GetValue())
	}
	return m
}

func anyValue(v *commonpb.AnyValue) any {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_BoolValue:
		return x.BoolValue
	case *commonpb.AnyValue_IntValue:
		return x.IntValue
	case *commonpb.AnyValue_DoubleValue:
		return x.DoubleValue
	case *commonpb.AnyValue_BytesValue:
		return x.BytesValue
	case *commonpb.AnyValue_ArrayValue:
		vals := make([]any, 0, len(x.ArrayValue.GetValues()))
		for _, e := range x.ArrayValue.GetValues() {
			vals = append(vals, anyValue(e))
		}
		return vals
	case *commonpb.AnyValue_KvlistValue:
		return attributes(x.KvlistValue.GetValues())
	}
	return nil
}

func unixNano(ns uint64) time.Time {
	return time.Unix(0, int64(ns)) //nolint:gosec // nanoseconds since 1970 fit
}
