package lag_test

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sluicehq/sluice/app/lag"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/telemetry"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/transport/kafka"
)

func newInspector(t *testing.T, brokers []string) *kafka.Inspector {
	t.Helper()
	cfg := kafka.DefaultConfig()
	cfg.Brokers = brokers
	in, err := kafka.NewInspector(cfg)
	require.NoError(t, err)
	t.Cleanup(in.Close)
	return in
}

func newAdmin(t *testing.T, brokers []string) *kadm.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// TestMeasure archives a topic with the real pipeline, then measures it
// caught up, behind, with limits, with Kafka's committed offsets ahead of
// and behind the bucket, after retention deleted unarchived records, and
// next to a topic never archived.
func TestMeasure(t *testing.T) {
	const topic, fresh = "events", "fresh"
	kc := kafkatest.Start(t, 2, topic, fresh)
	base := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	kc.ProduceJSON(t, topic, 2, 600, base)
	end := kc.EndOffsets(t, topic)
	st := archive(t, kc, topic, end)
	in := newInspector(t, kc.Brokers())
	now := base.Add(24 * time.Hour)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { require.NoError(t, mp.Shutdown(t.Context())) })
	monitor := func(cfg lag.Config) *lag.Monitor {
		cfg.Group = group
		m, err := lag.New(cfg, lag.Settings{Store: st, Broker: in, Now: func() time.Time { return now }, Meter: mp.Meter(telemetry.Scope)})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, m.Close()) })
		return m
	}
	mon := monitor(lag.Config{})
	measure := func(m *lag.Monitor, topics ...string) *lag.Snapshot {
		t.Helper()
		snap, err := m.Measure(t.Context(), topics)
		require.NoError(t, err)
		return snap
	}

	t.Run("caught up", func(t *testing.T) {
		snap := measure(mon, topic)
		assert.True(t, snap.OK)
		assert.Equal(t, group, snap.Group)
		assert.Equal(t, kafka.IsolationReadCommitted, snap.Isolation)
		assert.Equal(t, now, snap.Time)
		require.Len(t, snap.Partitions, 2)
		for i, p := range snap.Partitions {
			e := end[int32(i)]
			assert.Equal(t, int32(i), p.Partition)
			require.NotNil(t, p.Durable)
			assert.Equal(t, e, *p.Durable)
			require.NotNil(t, p.Committed)
			assert.Equal(t, e, *p.Committed)
			assert.Equal(t, e, p.HighWatermark)
			assert.Equal(t, e, p.End)
			assert.Zero(t, p.LagRecords)
			assert.Zero(t, p.LagSeconds)
			assert.Nil(t, p.Oldest)
			assert.Empty(t, p.Flags)
			assert.Nil(t, p.Pending)
			require.NotNil(t, p.LastCommit, "the progress record's time")
			assert.WithinDuration(t, time.Now(), *p.LastCommit, time.Minute)
		}
	})

	// Twenty records more, the oldest 90 seconds before now.
	later := now.Add(-90 * time.Second)
	kc.ProduceJSON(t, topic, 2, 20, later)
	end2 := kc.EndOffsets(t, topic)

	t.Run("behind", func(t *testing.T) {
		snap := measure(mon, topic)
		assert.True(t, snap.OK, "no limits")
		for i, p := range snap.Partitions {
			assert.Equal(t, end[int32(i)], *p.Durable)
			assert.Equal(t, end2[int32(i)], p.HighWatermark)
			assert.Equal(t, int64(10), p.LagRecords)
			require.NotNil(t, p.Oldest)
			assert.Equal(t, end[int32(i)], p.Oldest.Offset)
			assert.Equal(t, later.Add(time.Duration(i)*time.Second), p.Oldest.Timestamp)
			assert.InDelta(t, 90-i, p.LagSeconds, 1e-9)
			assert.Empty(t, p.Flags)
		}
		requireGauges(t, reader, snap)
	})

	t.Run("limits", func(t *testing.T) {
		tests := []struct {
			name    string
			cfg     lag.Config
			wantOK  bool
			overall []bool
		}{
			{"records over", lag.Config{MaxLagRecords: 9}, false, []bool{true, true}},
			{"records at", lag.Config{MaxLagRecords: 10}, true, []bool{false, false}},
			{"time over one", lag.Config{MaxLagTime: 89500 * time.Millisecond}, false, []bool{true, false}},
			{"time under", lag.Config{MaxLagTime: 90 * time.Second}, true, []bool{false, false}},
			{"either", lag.Config{MaxLagRecords: 100, MaxLagTime: time.Second}, false, []bool{true, true}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				m, err := lag.New(lag.Config{Group: group, MaxLagRecords: tt.cfg.MaxLagRecords, MaxLagTime: tt.cfg.MaxLagTime},
					lag.Settings{Store: st, Broker: in, Now: func() time.Time { return now }})
				require.NoError(t, err)
				snap := measure(m, topic)
				assert.Equal(t, tt.wantOK, snap.OK)
				for i, p := range snap.Partitions {
					assert.Equal(t, tt.overall[i], p.OverLimit, "partition %d", i)
					assert.Equal(t, tt.overall[i], p.Has(lag.FlagOverLimit), "partition %d", i)
				}
			})
		}
	})

	adm := newAdmin(t, kc.Brokers())
	commitOffset := func(p int32, at int64) {
		off := kadm.Offsets{}
		off.Add(kadm.Offset{Topic: topic, Partition: p, At: at, LeaderEpoch: -1})
		res, err := adm.CommitOffsets(t.Context(), group, off)
		require.NoError(t, err)
		require.NoError(t, res.Error())
	}

	t.Run("kafka ahead and behind", func(t *testing.T) {
		commitOffset(0, end2[0])
		commitOffset(1, end[1]-5)
		snap := measure(mon, topic)
		assert.Equal(t, end2[0], *snap.Partitions[0].Committed)
		assert.Equal(t, []string{lag.FlagKafkaAhead}, snap.Partitions[0].Flags)
		assert.Equal(t, end[1]-5, *snap.Partitions[1].Committed)
		assert.Equal(t, []string{lag.FlagKafkaBehind}, snap.Partitions[1].Flags)
		assert.Equal(t, int64(10), snap.Partitions[0].LagRecords, "lag is the bucket's, not the group's")
		commitOffset(0, end[0])
		commitOffset(1, end[1])
	})

	t.Run("retention", func(t *testing.T) {
		off := kadm.Offsets{}
		off.Add(kadm.Offset{Topic: topic, Partition: 1, At: end[1] + 4})
		res, err := adm.DeleteRecords(t.Context(), off)
		require.NoError(t, err)
		require.NoError(t, res.Error())
		snap := measure(mon, topic)
		p := snap.Partitions[1]
		assert.Equal(t, end[1]+4, p.LogStart)
		assert.Equal(t, int64(4), p.RetentionLost)
		assert.Equal(t, int64(6), p.LagRecords, "what is still readable")
		require.NotNil(t, p.Oldest)
		assert.Equal(t, end[1]+4, p.Oldest.Offset)
		assert.InDelta(t, 90-9, p.LagSeconds, 1e-9, "record 9 of the twenty is the oldest left")
		assert.Equal(t, []string{lag.FlagRetentionLost}, p.Flags)
		assert.Empty(t, snap.Partitions[0].Flags)

		var buf bytes.Buffer
		require.NoError(t, snap.WriteText(&buf))
		out := buf.String()
		assert.Contains(t, out, "KAFKA_COMMITTED")
		assert.Contains(t, out, "end = last stable offset (read_committed)")
		assert.Contains(t, out, topic+"/1: retention_lost: 4 offsets ["+strconv.FormatInt(end[1], 10)+"..")
		assert.Contains(t, out, "OK: 2 partitions; lag 16 records, oldest unarchived record 1m30s old")
	})

	t.Run("never archived", func(t *testing.T) {
		kc.ProduceJSON(t, fresh, 2, 6, later)
		snap := measure(mon, fresh, topic, fresh)
		require.Len(t, snap.Partitions, 4, "topics sorted and once each")
		for _, p := range snap.Partitions[2:] {
			assert.Equal(t, fresh, p.Topic)
			assert.Nil(t, p.Durable)
			assert.Nil(t, p.Committed)
			assert.Nil(t, p.LastCommit)
			assert.Equal(t, int64(3), p.LagRecords)
			assert.Equal(t, []string{lag.FlagNotArchived}, p.Flags)
			assert.Positive(t, p.LagSeconds)
		}
		assert.Equal(t, topic, snap.Partitions[0].Topic)
	})

	t.Run("pending round", func(t *testing.T) {
		before := time.Now().Add(-time.Second)
		r := &model.Round{Topic: topic, Partition: 0, Start: end[0], End: end2[0] - 1, From: end[0], Records: 10}
		require.NoError(t, commit.NewLedger(st, "test-claimer").Claim(t.Context(), r))
		snap := measure(mon, topic)
		p := snap.Partitions[0]
		assert.Equal(t, end[0], *p.Durable, "a pending round is not durable")
		assert.Equal(t, int64(10), p.LagRecords)
		require.NotNil(t, p.Pending)
		assert.Equal(t, lag.Round{Start: end[0], End: end2[0] - 1, Records: 10, Since: p.Pending.Since}, *p.Pending)
		assert.WithinDuration(t, before, p.Pending.Since, time.Minute)
		assert.Nil(t, p.LastCommit, "the record no longer tells when the last round was committed")
		var buf bytes.Buffer
		require.NoError(t, snap.WriteText(&buf))
		assert.Contains(t, buf.String(), fmt.Sprintf("%s/0: round [%d..%d] (10 records) pending, claimed", topic, end[0], end2[0]-1))
	})

	t.Run("unknown topic", func(t *testing.T) {
		_, err := mon.Measure(t.Context(), []string{"nope"})
		require.ErrorIs(t, err, kafka.ErrUnknownPartition)
		snap := mon.Failed(err)
		assert.False(t, snap.OK)
		assert.Contains(t, snap.Error, "nope")
	})
}

// requireGauges checks the gauges report snap's partitions.
func requireGauges(t *testing.T, reader *sdkmetric.ManualReader, snap *lag.Snapshot) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(t.Context(), &rm))
	got := map[string]map[string]float64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			got[m.Name] = map[string]float64{}
			switch d := m.Data.(type) {
			case metricdata.Gauge[int64]:
				for _, dp := range d.DataPoints {
					got[m.Name][lane(dp.Attributes)] = float64(dp.Value)
				}
			case metricdata.Gauge[float64]:
				for _, dp := range d.DataPoints {
					got[m.Name][lane(dp.Attributes)] = dp.Value
				}
			}
		}
	}
	for _, p := range snap.Partitions {
		l := p.Topic + "/" + strconv.Itoa(int(p.Partition))
		assert.Equal(t, float64(p.LagRecords), got[telemetry.MetricLagRecords.Name][l], l)
		assert.Equal(t, p.LagSeconds, got[telemetry.MetricLagSeconds.Name][l], l)
		assert.Equal(t, float64(*p.Durable), got[telemetry.MetricOffsetDurable.Name][l], l)
		assert.Equal(t, float64(p.HighWatermark), got[telemetry.MetricOffsetHigh.Name][l], l)
	}
	assert.Len(t, got[telemetry.MetricLagRecords.Name], len(snap.Partitions))
}

func lane(s attribute.Set) string {
	topic, _ := s.Value(telemetry.AttrDestinationName)
	part, _ := s.Value(telemetry.AttrDestinationPartition)
	return topic.AsString() + "/" + part.AsString()
}
