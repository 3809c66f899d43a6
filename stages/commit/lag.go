package commit

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/sluicehq/sluice/transport/kafka"
)

// Flags of a partition.
const (
	// FlagNotArchived: the partition has no progress record; its lag counts
	// from the log start offset.
	FlagNotArchived = "not_archived"
	// FlagRetentionLost: the durable offset is below the log start offset,
	// so retention deleted records before they were archived
	// (Lag.RetentionLost counts them). A problem.
	FlagRetentionLost = "retention_lost"
	// FlagKafkaAhead: the group's committed offset is ahead of the bucket,
	// so a consumer of the group would skip records the bucket does not
	// hold. A problem.
	FlagKafkaAhead = "kafka_ahead"
	// FlagKafkaBehind: the group's committed offset is behind the bucket, or
	// the group has none. Normal for a moment (sluice commits to Kafka after
	// the bucket); lasting, it means another group or a failing commit.
	FlagKafkaBehind = "kafka_behind"
	// FlagBeyondEnd: the durable offset is past the high watermark: the
	// topic was recreated or truncated since it was archived. A problem.
	FlagBeyondEnd = "beyond_log_end"
	// FlagOverLimit: the lag is above Config.MaxLagRecords or
	// Config.MaxLagTime.
	FlagOverLimit = "over_limit"
)

// Lag is how far one Kafka partition's archive is behind Kafka: the
// durable offset of its progress record against the broker's offsets and
// the group's committed offset. "sluice lag" reports it, and "sluice run"
// measures it for the sluice.lag.seconds metric: one definition for both.
type Lag struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	// Durable is the progress record's next offset: every record below it
	// is in the bucket. Nil when the partition has no progress record.
	Durable *int64 `json:"durable_offset"`
	// Pending is the round claimed but not committed yet, if any.
	Pending *LagRound `json:"pending,omitempty"`
	// Committed is the consumer group's committed offset; nil when the
	// group has none for the partition.
	Committed *int64 `json:"kafka_committed"`
	// LogStart, HighWatermark and LastStable are the broker's offsets.
	LogStart      int64 `json:"log_start"`
	HighWatermark int64 `json:"high_watermark"`
	LastStable    int64 `json:"last_stable"`
	// End is where the readable log ends: LastStable under read_committed,
	// else HighWatermark.
	End int64 `json:"end"`
	// LagRecords is End minus the durable offset (or the log start offset
	// when it is higher): offsets readable in Kafka and not archived yet.
	LagRecords int64 `json:"lag_records"`
	// LagSeconds is the age of the oldest record not archived yet (Oldest);
	// 0 when there is none.
	LagSeconds float64 `json:"lag_seconds"`
	// Oldest is the oldest record not archived yet.
	Oldest *RecordTime `json:"oldest_unarchived,omitempty"`
	// RetentionLost counts offsets retention deleted before they were
	// archived (FlagRetentionLost).
	RetentionLost int64 `json:"retention_lost,omitempty"`
	// LastCommit is when the last round was committed (the progress
	// record's time), unless a round is pending: the record then tells when
	// the round was claimed (Pending.Since) and no longer when the last one
	// was committed.
	LastCommit *time.Time `json:"last_commit,omitempty"`
	// OverLimit says the lag is above a limit of the Config.
	OverLimit bool `json:"over_limit"`
	// Flags are the Flag constants that apply.
	Flags []string `json:"flags,omitempty"`
}

// LagRound is a pending round, as lag reports it.
type LagRound struct {
	Start   int64 `json:"start"`
	End     int64 `json:"end"`
	Records int64 `json:"records"`
	// Since is when the round was claimed.
	Since time.Time `json:"since"`
}

// RecordTime is a Kafka record's offset and timestamp.
type RecordTime struct {
	Offset    int64     `json:"offset"`
	Timestamp time.Time `json:"timestamp"`
}

// LagTime returns LagSeconds as a duration.
func (p *Lag) LagTime() time.Duration {
	return time.Duration(p.LagSeconds * float64(time.Second))
}

// Has reports whether flag applies to p.
func (p *Lag) Has(flag string) bool {
	return slices.Contains(p.Flags, flag)
}

// compare flags the durable offset against the broker's offsets and the
// group's committed offset, and computes the lag in records. It returns the
// offset the oldest unarchived record is searched from.
func (p *Lag) compare() int64 {
	from := p.LogStart
	if p.Durable == nil {
		p.Flags = append(p.Flags, FlagNotArchived)
	} else {
		d := *p.Durable
		from = max(d, p.LogStart)
		if d < p.LogStart {
			p.RetentionLost = p.LogStart - d
			p.Flags = append(p.Flags, FlagRetentionLost)
		}
		if d > p.HighWatermark {
			p.Flags = append(p.Flags, FlagBeyondEnd)
		}
	}
	base := p.LogStart // what the bucket holds up to, for the group's offset
	if p.Durable != nil {
		base = *p.Durable
	}
	switch {
	case p.Committed != nil && *p.Committed > base:
		p.Flags = append(p.Flags, FlagKafkaAhead)
	case p.Durable != nil && (p.Committed == nil || *p.Committed < base):
		p.Flags = append(p.Flags, FlagKafkaBehind)
	}
	p.LagRecords = max(0, p.End-from)
	return from
}

// Limit sets OverLimit (and FlagOverLimit) when the lag is above either limit (0: none).
func (p *Lag) Limit(records int64, age time.Duration) {
	if (records > 0 && p.LagRecords > records) || (age > 0 && p.LagTime() > age) {
		p.OverLimit = true
		p.Flags = append(p.Flags, FlagOverLimit)
	}
}

// RecordTimer finds the Kafka timestamps of a partition's records.
// *kafka.Inspector implements it. It must be safe for concurrent use and
// honour ctx.
type RecordTimer interface {
	// RecordTime returns the first data record at or after offset; ok is
	// false when there is none before the end of the log.
	RecordTime(ctx context.Context, topic string, partition int32, offset int64) (s kafka.Stamp, ok bool, err error)
}

// NewPartition returns the partition's lag record with the broker's side
// filled in: its watermarks, and End where a consumer reading at the
// isolation sluice reads at (readCommitted or not) sees the log end.
func NewLag(topic string, partition int32, w kafka.Watermarks, readCommitted bool) Lag {
	p := Lag{Topic: topic, Partition: partition, LogStart: w.Start, HighWatermark: w.End, LastStable: w.Stable, End: w.End}
	if readCommitted {
		p.End = w.Stable
	}
	return p
}

// Measure computes the lag of p (made by NewPartition, with Durable and
// Committed set as known) and its flags. LagRecords is End minus the
// durable offset, or minus the log start offset when that is higher or
// nothing is archived; LagSeconds is how old, at now, the oldest record not
// archived yet is by its Kafka timestamp (asked of rt), and 0 when there is
// none.
//
// This is the one definition of the sluice.lag.records and
// sluice.lag.seconds gauges: "sluice lag --otlp" and "sluice run" both
// report what Measure computes.
func (p *Lag) Measure(ctx context.Context, rt RecordTimer, now time.Time) error {
	from := p.compare()
	if p.LagRecords == 0 {
		return nil
	}
	s, found, err := rt.RecordTime(ctx, p.Topic, p.Partition, from)
	if err != nil {
		return fmt.Errorf("measuring %s/%d: %w", p.Topic, p.Partition, err)
	}
	if found {
		p.Oldest = &RecordTime{Offset: s.Offset, Timestamp: s.Time.UTC()}
		p.LagSeconds = max(0, now.Sub(s.Time).Seconds())
	}
	return nil
}
