package lag

import (
	"slices"
	"time"
)

// Flags of a partition.
const (
	// FlagNotArchived: the partition has no progress record; its lag counts
	// from the log start offset.
	FlagNotArchived = "not_archived"
	// FlagRetentionLost: the durable offset is below the log start offset,
	// so retention deleted records before they were archived
	// (Partition.RetentionLost counts them). A problem.
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

// Partition is the lag of one Kafka partition.
type Partition struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	// Durable is the progress record's next offset: every record below it
	// is in the bucket. Nil when the partition has no progress record.
	Durable *int64 `json:"durable_offset"`
	// Pending is the round claimed but not committed yet, if any.
	Pending *Round `json:"pending,omitempty"`
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
	Oldest *Record `json:"oldest_unarchived,omitempty"`
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

// Round is a pending round.
type Round struct {
	Start   int64 `json:"start"`
	End     int64 `json:"end"`
	Records int64 `json:"records"`
	// Since is when the round was claimed.
	Since time.Time `json:"since"`
}

// Record is a Kafka record's offset and timestamp.
type Record struct {
	Offset    int64     `json:"offset"`
	Timestamp time.Time `json:"timestamp"`
}

// LagTime returns LagSeconds as a duration.
func (p *Partition) LagTime() time.Duration {
	return time.Duration(p.LagSeconds * float64(time.Second))
}

// Has reports whether flag applies to p.
func (p *Partition) Has(flag string) bool {
	return slices.Contains(p.Flags, flag)
}

// compare flags the durable offset against the broker's offsets and the
// group's committed offset, and computes the lag in records. It returns the
// offset the oldest unarchived record is searched from.
func (p *Partition) compare() int64 {
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

// limit sets OverLimit when the lag is above either limit (0: none).
func (p *Partition) limit(records int64, age time.Duration) {
	if (records > 0 && p.LagRecords > records) || (age > 0 && p.LagTime() > age) {
		p.OverLimit = true
		p.Flags = append(p.Flags, FlagOverLimit)
	}
}
