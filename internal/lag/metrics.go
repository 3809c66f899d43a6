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
	records, err := meter.Int64ObservableGauge(telemetry.MetricLagRecords, metric.WithUnit(telemetry.UnitLagRecords),
		metric.WithDescription("Offsets readable in Kafka and not archived yet"))
	if err != nil {
		return nil, fmt.Errorf("creating gauge %s: %w", telemetry.MetricLagRecords, err)
	}
	seconds, err := meter.Float64ObservableGauge(telemetry.MetricLagSeconds, metric.WithUnit(telemetry.UnitLagSeconds),
		metric.WithDescription("Age of the oldest record not archived yet, by its Kafka timestamp"))
	if err != nil {
		return nil, fmt.Errorf("creating gauge %s: %w", telemetry.MetricLagSeconds, err)
	}
	durable, err := meter.Int64ObservableGauge(telemetry.MetricLagDurableOffset, metric.WithUnit(telemetry.UnitLagOffset),
		metric.WithDescription("Next offset to archive, from the partition's progress record"))
	if err != nil {
		return nil, fmt.Errorf("creating gauge %s: %w", telemetry.MetricLagDurableOffset, err)
	}
	hwm, err := meter.Int64ObservableGauge(telemetry.MetricLagHighWatermark, metric.WithUnit(telemetry.UnitLagOffset),
		metric.WithDescription("High watermark of the Kafka partition"))
	if err != nil {
		return nil, fmt.Errorf("creating gauge %s: %w", telemetry.MetricLagHighWatermark, err)
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
