package lag

import "github.com/sluicehq/sluice/stages/commit"

// Partition is the lag of one Kafka partition (commit.Lag: "sluice run"
// measures the same for its metrics).
type Partition = commit.Lag

// Round is a pending round.
type Round = commit.LagRound

// Record is a Kafka record's offset and timestamp.
type Record = commit.RecordTime

// RecordTimer finds the oldest record of a partition from an offset.
type RecordTimer = commit.RecordTimer

// NewPartition is commit.NewLag.
var NewPartition = commit.NewLag

// Flags of a partition (see commit.Lag).
const (
	FlagNotArchived   = commit.FlagNotArchived
	FlagRetentionLost = commit.FlagRetentionLost
	FlagKafkaAhead    = commit.FlagKafkaAhead
	FlagKafkaBehind   = commit.FlagKafkaBehind
	FlagBeyondEnd     = commit.FlagBeyondEnd
	FlagOverLimit     = commit.FlagOverLimit
)
