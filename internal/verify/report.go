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
	KindGap               = "gap"                // offsets missing inside the stored range
	KindBelowName         = "below_name"         // an object holds offsets below its name's start
	KindRoundStart        = "round_start"        // a round's smallest offset is not its name's start
	KindRoundOverlap      = "round_overlap"      // two rounds' offset ranges overlap
	KindProgressMissing   = "progress_missing"   // objects but no progress record
	KindProgressBad       = "progress_bad"       // a progress record cannot be read
	KindProgressNext      = "progress_next"      // next_offset disagrees with the objects
	KindBeyondNext        = "beyond_next"        // offsets stored at or past next_offset outside the pending round
	KindPendingIncomplete = "pending_incomplete" // the pending round's files are stored in part
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
	// Min and Max are the smallest and largest stored offset (nil without
	// objects).
	Min *int64 `json:"min,omitempty"`
	Max *int64 `json:"max,omitempty"`
	// NextOffset is the progress record's next_offset (nil without a record).
	NextOffset *int64 `json:"next_offset,omitempty"`
	// Pending is the progress record's pending round, if any.
	Pending *Range `json:"pending,omitempty"`
	// Duplicates counts offsets stored more than once (each extra copy once).
	Duplicates int64 `json:"duplicates"`
	// Gaps lists the offset ranges missing inside [Min..Max]; GapOffsets
	// counts their offsets.
	Gaps       []Range `json:"gaps,omitempty"`
	GapOffsets int64   `json:"gap_offsets"`
	// Status is StatusOK, StatusWarning or StatusViolation.
	Status   string    `json:"status"`
	Findings []Finding `json:"findings,omitempty"`
}

// Report is the result of a verification.
type Report struct {
	// Store describes the destination verified.
	Store string `json:"store"`
	// BrokerConsulted says whether Kafka was asked to tell its own gaps apart.
	BrokerConsulted bool `json:"broker_consulted"`
	// Objects and Bytes count the data objects read.
	Objects int   `json:"objects"`
	Bytes   int64 `json:"bytes"`
	// Records counts the distinct offsets stored over all partitions.
	Records    int64       `json:"records"`
	Partitions []Partition `json:"partitions"`
	// Findings are those not tied to one partition (unparsable names).
	Findings []Finding `json:"findings,omitempty"`
	// Violations counts the violations over the report.
	Violations int  `json:"violations"`
	OK         bool `json:"ok"`
}

// finish computes statuses and totals.
func (r *Report) finish() {
	r.Violations = 0
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
	}
	r.OK = r.Violations == 0
}
