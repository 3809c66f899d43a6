package telemetry_test

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/sluicehq/sluice/telemetry"
)

// prometheusNames creates every instrument on a Prometheus exporter, as
// the scrape endpoint does, and returns the metric family names it exposes.
func prometheusNames(t *testing.T) []string {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	require.NoError(t, err)
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	meter := mp.Meter(telemetry.Scope)
	var obs []metric.Observable
	for _, m := range telemetry.Instruments() {
		switch {
		case m.Kind == telemetry.KindHistogram:
			h, err := m.Histogram(meter)
			require.NoError(t, err)
			h.Record(t.Context(), 1)
		case m.Unit == "s":
			g, err := m.Float64Gauge(meter)
			require.NoError(t, err)
			obs = append(obs, g)
		default:
			o, err := m.Observable(meter)
			require.NoError(t, err)
			obs = append(obs, o)
		}
	}
	_, err = meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		for _, inst := range obs {
			switch i := inst.(type) {
			case metric.Float64Observable:
				o.ObserveFloat64(i, 1)
			case metric.Int64Observable:
				o.ObserveInt64(i, 1)
			}
		}
		return nil
	}, obs...)
	require.NoError(t, err)
	families, err := reg.Gather()
	require.NoError(t, err)
	var names []string
	for _, f := range families {
		names = append(names, f.GetName())
	}
	return names
}

func TestInstrumentsAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range telemetry.Instruments() {
		assert.False(t, seen[m.Name], "%s defined twice", m.Name)
		seen[m.Name] = true
		assert.Regexp(t, `^sluice(\.[a-z][a-z_0-9]*)+$`, m.Name)
		assert.NotEmpty(t, m.Unit, m.Name)
		assert.NotEmpty(t, m.Description, m.Name)
		assert.Equal(t, m.Kind == telemetry.KindHistogram, len(m.Buckets) > 0, m.Name)
		assert.NotContains(t, m.Name, "_total", "exporters add suffixes, the name does not")
	}
}

// TestMetricsDoc checks docs/metrics.md has a row for every instrument,
// with its unit and kind, and nothing else.
func TestMetricsDoc(t *testing.T) {
	doc, err := os.ReadFile("../docs/metrics.md")
	require.NoError(t, err)
	rows := map[string]string{}
	for _, line := range strings.Split(string(doc), "\n") {
		if m := regexp.MustCompile("^\\| `(sluice\\.[a-z0-9_.]+)` \\|").FindStringSubmatch(line); m != nil {
			rows[m[1]] = line
		}
	}
	for _, m := range telemetry.Instruments() {
		row, ok := rows[m.Name]
		if !assert.True(t, ok, "docs/metrics.md has no row for %s", m.Name) {
			continue
		}
		assert.Contains(t, row, "| `"+m.Unit+"` |", m.Name)
		assert.Contains(t, row, "| "+string(m.Kind)+" |", m.Name)
		for _, a := range m.Attributes {
			assert.Contains(t, row, "`"+string(a)+"`", m.Name)
		}
		delete(rows, m.Name)
	}
	assert.Empty(t, rows, "docs/metrics.md lists instruments sluice does not have")
}

// TestGrafanaDashboard checks every metric the dashboard queries is one the
// Prometheus endpoint exposes.
func TestGrafanaDashboard(t *testing.T) {
	data, err := os.ReadFile("../docs/grafana-dashboard.json")
	require.NoError(t, err)
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(data, &dash))
	names := prometheusNames(t)
	require.NotEmpty(t, dash.Panels)
	series := regexp.MustCompile(`\bsluice_[a-z0-9_]+`)
	grouping := regexp.MustCompile(`\bby \([^)]*\)`)
	for _, p := range dash.Panels {
		require.NotEmpty(t, p.Targets, p.Title)
		for _, tg := range p.Targets {
			// Label names (sluice_trigger) appear in by (...) only.
			used := series.FindAllString(grouping.ReplaceAllString(tg.Expr, ""), -1)
			require.NotEmpty(t, used, "%s: %s", p.Title, tg.Expr)
			for _, s := range used {
				base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(s, "_bucket"), "_sum"), "_count")
				assert.True(t, slices.Contains(names, base), "%s: %s is not exposed (have %v)", p.Title, s, names)
			}
		}
	}
}
