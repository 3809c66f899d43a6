package lag

import (
	"context"
	"fmt"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/sluicehq/sluice/telemetry"
)

// register creates the lag gauges on meter, observed from the latest
// snapshot.
func (m *Monitor) register(meter metric.Meter) (metric.Registration, error) {
	// The same instruments the pipeline reports for the partitions it owns.
	records, err := telemetry.MetricLagRecords.Observable(meter)
	if err != nil {
		return nil, fmt.Errorf("creating gauge %s: %w", telemetry.MetricLagRecords.Name, err)
	}
	seconds, err := telemetry.MetricLagSeconds.Float64Gauge(meter)
	if err != nil {
		return nil, fmt.Errorf("creating gauge %s: %w", telemetry.MetricLagSeconds.Name, err)
	}
	durable, err := telemetry.MetricOffsetDurable.Observable(meter)
	if err != nil {
		return nil, fmt.Errorf("creating gauge %s: %w", telemetry.MetricOffsetDurable.Name, err)
	}
	hwm, err := telemetry.MetricOffsetHigh.Observable(meter)
	if err != nil {
		return nil, fmt.Errorf("creating gauge %s: %w", telemetry.MetricOffsetHigh.Name, err)
	}
	reg, err := meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		m.mu.Lock()
		snap := m.latest
		m.mu.Unlock()
		if snap == nil {
			return nil
		}
		for i := range snap.Partitions {
			p := &snap.Partitions[i]
			attrs := metric.WithAttributeSet(attribute.NewSet(
				telemetry.AttrDestinationName.String(p.Topic),
				telemetry.AttrDestinationPartition.String(strconv.Itoa(int(p.Partition))),
			))
			o.ObserveInt64(records, p.LagRecords, attrs)
			o.ObserveFloat64(seconds, p.LagSeconds, attrs)
			o.ObserveInt64(hwm, p.HighWatermark, attrs)
			if p.Durable != nil {
				o.ObserveInt64(durable, *p.Durable, attrs)
			}
		}
		return nil
	}, records, seconds, durable, hwm)
	if err != nil {
		return nil, fmt.Errorf("registering the lag gauges: %w", err)
	}
	return reg, nil
}
