package verify

// Severity says how bad a finding is.
type Severity string

const (
	// SeverityViolation breaks the exactly-once guarantee or cannot be told
	// apart from a break: verification fails.
	SeverityViolation Severity = "violation"
	// SeverityWarning is expected in some states (a pending round still being
	// completed) and does not fail verification.
	SeverityWarning Severity = "warning"
)

// Finding kinds.
const (
	KindBadName           = "bad_name"           // an object's name does not parse
	KindUnreadable        = "unreadable"         // an object cannot be read or decoded
	KindEmptyObject       = "empty_object"       // an object holds no records
	KindWrongPartition    = "wrong_partition"    // a record's topic or partition differs from its object's name
	KindDuplicate         = "duplicate"          // offsets stored more than once
	KindGap               = "gap"                // offsets missing inside the stored range, not verified with the broker
	KindLost              = "lost"               // offsets Kafka holds that no object stores
	KindRetention         = "retention"          // missing offsets below the log start offset: unverifiable
	KindRetentionUnread   = "retention_unread"   // offsets deleted from Kafka before they were archived
	KindBrokerUnreachable = "broker_unreachable" // the broker could not be asked: gaps stay unverified
	KindBrokerError       = "broker_error"       // the broker could not describe one partition
	KindBelowName         = "below_name"         // an object holds offsets below its name's start
	KindRoundStart        = "round_start"        // a round's smallest offset is not its name's start
	KindRoundOverlap      = "round_overlap"      // two rounds' offset ranges overlap
	KindProgressMissing   = "progress_missing"   // objects but no progress record
	KindProgressBad       = "progress_bad"       // a progress record cannot be read
	KindProgressNext      = "progress_next"      // next_offset disagrees with the objects
	KindBeyondNext        = "beyond_next"        // offsets stored at or past next_offset outside the pending round
	KindPendingIncomplete = "pending_incomplete" // the pending round's files are stored in part
	KindFilteredBad       = "filtered_bad"       // a record of filtered offsets cannot be read, or disagrees with itself or its round
	KindFilteredStored    = "filtered_stored"    // offsets recorded as filtered are stored in an object too
	KindRejectedBad       = "rejected_bad"       // a record of rejected offsets or its dead-letter file cannot be read, or disagrees with itself or its round
	KindRejectedStored    = "rejected_stored"    // offsets recorded as dead-lettered are stored (or filtered) too
)

// Status values of a partition.
const (
	StatusOK        = "ok"
	StatusWarning   = "warning"
	StatusViolation = "violation"
)

// Finding is one problem found.
type Finding struct {
	Severity Severity `json:"severity"`
	// Kind is one of the Kind constants.
	Kind    string `json:"kind"`
	Message string `json:"message"`
	// Topic and Partition name the Kafka partition, when known.
	Topic     string `json:"topic,omitempty"`
	Partition *int32 `json:"partition,omitempty"`
	// Range is the offsets concerned, when the finding is about offsets.
	Range *Range `json:"range,omitempty"`
	// Keys are the objects concerned.
	Keys []string `json:"keys,omitempty"`
}

// Partition is the verdict on one Kafka partition.
type Partition struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	// Objects and Records count the partition's data objects and the
	// distinct offsets they hold.
	Objects int   `json:"objects"`
	Records int64 `json:"records"`
	// Filtered counts the distinct offsets the rounds' records of filtered
	// offsets hold: records a stage dropped on purpose, accounted for and
	// never counted as gaps or lost.
	Filtered int64 `json:"filtered"`
	// DeadLettered counts the distinct offsets the rounds' records of
	// rejected offsets hold: records sent to the topic's dead-letter
	// destination, accounted for and never counted as gaps or lost.
	DeadLettered int64 `json:"dead_lettered"`
	// Min and Max are the smallest and largest offset accounted for, stored,
	// filtered or dead-lettered (nil without any).
	Min *int64 `json:"min,omitempty"`
	Max *int64 `json:"max,omitempty"`
	// NextOffset is the progress record's next_offset (nil without a record).
	NextOffset *int64 `json:"next_offset,omitempty"`
	// Pending is the progress record's pending round, if any.
	Pending *Range `json:"pending,omitempty"`
	// Duplicates counts offsets stored more than once (each extra copy once).
	Duplicates int64 `json:"duplicates"`
	// Gaps lists the offset ranges missing inside [Min..Max] (and between
	// the smallest round start and Min); GapOffsets
	// counts their offsets.
	Gaps       []Range `json:"gaps,omitempty"`
	GapOffsets int64   `json:"gap_offsets"`
	// The gap offsets outside the pending round, by what the broker said:
	// KafkaGapOffsets hold no data record in Kafka (transaction markers,
	// aborted records under read_committed, compacted records), not a
	// violation; LostOffsets hold a record in Kafka but in no object;
	// RetentionOffsets lie below the log start offset, unverifiable;
	// UnverifiedOffsets were not classified (no broker, or it could not
	// tell).
	KafkaGapOffsets   int64 `json:"kafka_gap_offsets"`
	LostOffsets       int64 `json:"lost_offsets"`
	RetentionOffsets  int64 `json:"retention_offsets"`
	UnverifiedOffsets int64 `json:"unverified_offsets"`
	// Broker is what the broker said of the partition (nil when it was not
	// consulted).
	Broker *BrokerOffsets `json:"broker,omitempty"`
	// Status is StatusOK, StatusWarning or StatusViolation.
	Status   string    `json:"status"`
	Findings []Finding `json:"findings,omitempty"`
}

// BrokerOffsets are a partition's watermarks in Kafka and how far the
// archive lags behind them.
type BrokerOffsets struct {
	// LogStart is the log start offset: Kafka deleted the offsets below it.
	LogStart int64 `json:"log_start"`
	// HighWatermark is the offset Kafka gives the next record.
	HighWatermark int64 `json:"high_watermark"`
	// LastStable is the last stable offset (below open transactions).
	LastStable int64 `json:"last_stable"`
	// Lag counts the offsets from the archive's next offset (next_offset,
	// else the largest stored offset + 1) to the end of what the consumer
	// reads (HighWatermark, or LastStable under read_committed):
	// informational, and it includes transaction markers.
	Lag int64 `json:"lag"`
}

// Report is the result of a verification.
type Report struct {
	// Store describes the destination verified.
	Store string `json:"store"`
	// BrokerConsulted says whether Kafka was asked to tell its own gaps apart.
	BrokerConsulted bool `json:"broker_consulted"`
	// Isolation is the level the broker was read with, the consumer's:
	// "read_uncommitted" or "read_committed" (empty when not consulted).
	Isolation string `json:"isolation,omitempty"`
	// Objects and Bytes count the data objects read.
	Objects int   `json:"objects"`
	Bytes   int64 `json:"bytes"`
	// Records counts the distinct offsets stored over all partitions;
	// Filtered those recorded as filtered by stages.
	Records  int64 `json:"records"`
	Filtered int64 `json:"filtered"`
	// DeadLettered counts the offsets recorded as dead-lettered.
	DeadLettered int64 `json:"dead_lettered"`
	// Gap offsets over all partitions, by class (see Partition).
	KafkaGapOffsets   int64       `json:"kafka_gap_offsets"`
	LostOffsets       int64       `json:"lost_offsets"`
	RetentionOffsets  int64       `json:"retention_offsets"`
	UnverifiedOffsets int64       `json:"unverified_offsets"`
	Partitions        []Partition `json:"partitions"`
	// Findings are those not tied to one partition (unparsable names).
	Findings []Finding `json:"findings,omitempty"`
	// Violations counts the violations over the report.
	Violations int  `json:"violations"`
	OK         bool `json:"ok"`
}

// finish computes statuses and totals.
func (r *Report) finish() {
	r.Violations = 0
	r.DeadLettered = 0
	r.Records, r.Filtered, r.KafkaGapOffsets, r.LostOffsets, r.RetentionOffsets, r.UnverifiedOffsets = 0, 0, 0, 0, 0, 0
	for _, f := range r.Findings {
		if f.Severity == SeverityViolation {
			r.Violations++
		}
	}
	for i := range r.Partitions {
		p := &r.Partitions[i]
		p.Status = StatusOK
		for _, f := range p.Findings {
			switch {
			case f.Severity == SeverityViolation:
				p.Status = StatusViolation
				r.Violations++
			case p.Status == StatusOK:
				p.Status = StatusWarning
			}
		}
		r.Records += p.Records
		r.Filtered += p.Filtered
		r.DeadLettered += p.DeadLettered
		r.KafkaGapOffsets += p.KafkaGapOffsets
		r.LostOffsets += p.LostOffsets
		r.RetentionOffsets += p.RetentionOffsets
		r.UnverifiedOffsets += p.UnverifiedOffsets
	}
	r.OK = r.Violations == 0
}
