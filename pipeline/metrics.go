package pipeline

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"

	"github.com/sluicehq/sluice/stages/buffer"
	"github.com/sluicehq/sluice/stages/upload"
	"github.com/sluicehq/sluice/telemetry"
	"github.com/sluicehq/sluice/transport/link"
)

// instruments are the pipeline's metric instruments. All but the upload
// duration are observable: one callback reads the counters the stages keep
// anyway, at collection time, so recording costs nothing per record.
type instruments struct {
	consumed, consumedBytes, parsed, rejected, skipped, committed     metric.Int64Observable
	deadLettered, deadLetteredBytes                                   metric.Int64Observable
	bufBytes, openFiles, spillBytes, diskLimit, bufRecords, sealed    metric.Int64Observable
	files, uploadBytes, s3Errors, s3Retries, commits, conflicts       metric.Int64Observable
	rebalances, assigned, revoked, durable, highWatermark, lagRecords metric.Int64Observable
	lagSeconds                                                        metric.Float64ObservableGauge
	uploadDuration                                                    metric.Float64Histogram
}

// metricsOn says whether the pipeline's meter records anything.
func (p *Pipeline) metricsOn() bool {
	_, noop := p.set.Telemetry.MeterProvider.(metricnoop.MeterProvider)
	return !noop
}

// registerMetrics creates the instruments and registers the callback that
// observes them. The callback stays registered after Run returns, so a
// flush at exit exports the final counts.
func (p *Pipeline) registerMetrics() error {
	meter := p.set.Telemetry.MeterProvider.Meter(telemetry.Scope)
	in := &p.inst
	var observables []metric.Observable
	for _, x := range []struct {
		m   telemetry.Metric
		dst *metric.Int64Observable
	}{
		{telemetry.MetricRecordsConsumed, &in.consumed}, {telemetry.MetricBytesConsumed, &in.consumedBytes},
		{telemetry.MetricRecordsParsed, &in.parsed}, {telemetry.MetricRecordsRejected, &in.rejected},
		{telemetry.MetricRecordsDeadLettered, &in.deadLettered}, {telemetry.MetricBytesDeadLettered, &in.deadLetteredBytes},
		{telemetry.MetricRecordsSkipped, &in.skipped}, {telemetry.MetricRecordsCommitted, &in.committed},
		{telemetry.MetricBufferBytes, &in.bufBytes}, {telemetry.MetricBufferOpenFiles, &in.openFiles},
		{telemetry.MetricBufferSpillBytes, &in.spillBytes}, {telemetry.MetricBufferDiskLimit, &in.diskLimit},
		{telemetry.MetricBufferRecords, &in.bufRecords},
		{telemetry.MetricRoundsSealed, &in.sealed},
		{telemetry.MetricFilesUploaded, &in.files}, {telemetry.MetricUploadBytes, &in.uploadBytes},
		{telemetry.MetricS3Errors, &in.s3Errors}, {telemetry.MetricS3Retries, &in.s3Retries},
		{telemetry.MetricCommits, &in.commits}, {telemetry.MetricCommitConflicts, &in.conflicts},
		{telemetry.MetricRebalances, &in.rebalances}, {telemetry.MetricPartitionsAssigned, &in.assigned},
		{telemetry.MetricPartitionsRevoked, &in.revoked}, {telemetry.MetricOffsetDurable, &in.durable},
		{telemetry.MetricOffsetHigh, &in.highWatermark}, {telemetry.MetricLagRecords, &in.lagRecords},
	} {
		inst, err := x.m.Observable(meter)
		if err != nil {
			return err
		}
		*x.dst = inst
		observables = append(observables, inst)
	}
	var err error
	if in.lagSeconds, err = telemetry.MetricLagSeconds.Float64Gauge(meter); err != nil {
		return err
	}
	if in.uploadDuration, err = telemetry.MetricUploadDuration.Histogram(meter); err != nil {
		return err
	}
	_, err = meter.RegisterCallback(p.observe, append(observables, in.lagSeconds)...)
	return err
}

// Attribute sets, built at collection time only.
func topicSet(topic string, kv ...attribute.KeyValue) metric.MeasurementOption {
	return metric.WithAttributeSet(attribute.NewSet(append(kv, telemetry.AttrDestinationName.String(topic))...))
}

func partitionSet(topic string, partition int32) metric.MeasurementOption {
	return metric.WithAttributeSet(attribute.NewSet(telemetry.AttrDestinationName.String(topic),
		telemetry.AttrDestinationPartition.String(strconv.Itoa(int(partition)))))
}

// rejectReasons name the parse stage's fallback reasons, as Stats counts them.
var rejectReasons = [...]string{"malformed", "missing", "wrong_type", "unparsable"}

// observe reports every observable instrument.
func (p *Pipeline) observe(_ context.Context, o metric.Observer) error {
	in := &p.inst
	type topicCounts struct {
		skipped, discarded              int64
		deadLettered, deadLetteredBytes int64
		sealed                          [len(buffer.Triggers)]int64
	}
	topics := make(map[string]*topicCounts, len(p.topics))
	for t, ts := range p.topics {
		topics[t] = &topicCounts{}
		st := ts.parse.Stats()
		o.ObserveInt64(in.parsed, int64(st.Parsed), topicSet(t))
		for i, n := range [...]uint64{st.Malformed, st.Missing, st.WrongType, st.Unparsable} {
			o.ObserveInt64(in.rejected, int64(n), topicSet(t, telemetry.AttrReason.String(rejectReasons[i])))
		}
	}
	p.buffer.Lanes(func(l *buffer.LaneStats) {
		attrs := partitionSet(l.Topic, l.Partition)
		o.ObserveInt64(in.consumed, l.Consumed.Load(), attrs)
		o.ObserveInt64(in.consumedBytes, l.ConsumedBytes.Load(), attrs)
		// A record is counted buffered before it is counted sealed or
		// dropped: read those first, so the difference is never negative.
		sealed, dropped := l.Sealed.Load(), l.Dropped.Load()
		o.ObserveInt64(in.bufRecords, max(l.Buffered.Load()-sealed-dropped, 0), attrs)
		tc := topics[l.Topic]
		if tc == nil {
			return
		}
		tc.skipped += l.Skipped.Load()
		tc.discarded += l.Discarded.Load()
		tc.deadLettered += l.Rejected.Load()
		tc.deadLetteredBytes += l.RejectedBytes.Load()
		for i := range l.Rounds {
			tc.sealed[i] += l.Rounds[i].Load()
		}
	})
	spill, _ := p.buffer.SpillBytes() // what could be measured
	uploaded := map[string][2]int64{}
	p.upload.Topics(func(t string, s *upload.TopicStats) { uploaded[t] = [2]int64{s.Files.Load(), s.Bytes.Load()} })
	conflicts := p.ledger.Conflicts()
	positions := p.commit.Positions()
	commits := map[string]int64{}
	for _, pos := range positions {
		commits[pos.Topic] += pos.Rounds
		o.ObserveInt64(in.committed, pos.Records, partitionSet(pos.Topic, pos.Partition))
	}
	p.owned.mu.Lock()
	for t, tc := range topics {
		o.ObserveInt64(in.skipped, tc.skipped, topicSet(t, telemetry.AttrReason.String("already_stored")))
		o.ObserveInt64(in.skipped, tc.discarded, topicSet(t, telemetry.AttrReason.String("chain_broken")))
		for i, n := range tc.sealed {
			o.ObserveInt64(in.sealed, n, topicSet(t, telemetry.AttrTrigger.String(buffer.Triggers[i])))
		}
		o.ObserveInt64(in.spillBytes, spill[t], topicSet(t))
		o.ObserveInt64(in.deadLettered, tc.deadLettered, topicSet(t))
		o.ObserveInt64(in.deadLetteredBytes, tc.deadLetteredBytes, topicSet(t))
		o.ObserveInt64(in.files, uploaded[t][0], topicSet(t))
		o.ObserveInt64(in.uploadBytes, uploaded[t][1], topicSet(t))
		o.ObserveInt64(in.commits, commits[t], topicSet(t))
		o.ObserveInt64(in.conflicts, conflicts[t], topicSet(t))
		o.ObserveInt64(in.assigned, p.owned.assigned[t], topicSet(t))
		o.ObserveInt64(in.revoked, p.owned.revoked[t], topicSet(t))
	}
	p.owned.mu.Unlock()
	o.ObserveInt64(in.bufBytes, p.buffer.InMemory())
	o.ObserveInt64(in.openFiles, p.buffer.OpenFiles())
	o.ObserveInt64(in.diskLimit, p.buffer.MaxDisk())
	o.ObserveInt64(in.rebalances, p.coord.Sessions())
	for op, n := range p.s3Stats.Retries() {
		o.ObserveInt64(in.s3Retries, n, metric.WithAttributes(telemetry.AttrRPCMethod.String(op)))
	}
	for e, n := range p.s3Stats.Errors() {
		o.ObserveInt64(in.s3Errors, n, metric.WithAttributes(telemetry.AttrRPCMethod.String(e.Operation),
			telemetry.AttrErrorType.String(e.Code)))
	}
	for _, l := range p.owned.lags() {
		attrs := partitionSet(l.Topic, l.Partition)
		durable := l.LogStart // nothing archived yet: lag counts from the log start
		if l.Durable != nil {
			durable = *l.Durable
		}
		o.ObserveInt64(in.durable, durable, attrs)
		o.ObserveInt64(in.highWatermark, l.HighWatermark, attrs)
		o.ObserveInt64(in.lagRecords, l.LagRecords, attrs)
		o.ObserveFloat64(in.lagSeconds, l.LagSeconds, attrs)
	}
	return nil
}

// uploadTimer is deliver-router middleware recording how long each stored
// round took to upload (rounds dropped as stored or stale are not timed).
func (p *Pipeline) uploadTimer(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		start := time.Now()
		out, err := h(msg)
		if err == nil && len(out) > 0 {
			lane := msg.Metadata.Get(link.LaneKey)
			topic := lane[:max(strings.LastIndexByte(lane, '/'), 0)]
			p.inst.uploadDuration.Record(msg.Context(), time.Since(start).Seconds(), topicSet(topic))
		}
		return out, err
	}
}
