package deadletter

import (
	"slices"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/stages/format"
)

// Destinations of rejected records.
const (
	// DestinationBucket writes a round's rejected records as JSON lines to
	// "_rejected/<topic>/<partition>/<topic>+<partition>+<start>.jsonl"
	// under the destination prefix (see Key).
	DestinationBucket = "bucket"
	// DestinationKafka publishes each rejected record to a Kafka topic of
	// the cluster sluice reads from.
	DestinationKafka = "kafka"
)

// Threshold defaults: a ratio guard is on, so that a wrong parser
// configuration (every record rejected) stops sluice after a window of
// records instead of dead-lettering a whole topic quietly.
const (
	DefaultMaxRatio = 0.5
	DefaultWindow   = 1000
	// MaxWindow bounds Window: each partition keeps a bit per record of it.
	MaxWindow = 1 << 20
)

// Config is the "dead_letter:" section of a topic's settings.
type Config struct {
	// Destination is "bucket" (default) or "kafka".
	Destination string `yaml:"destination"`
	// Topic is the Kafka topic rejected records are published to; required
	// with destination kafka, not allowed with bucket.
	Topic string `yaml:"topic,omitempty"`
	// Compression of the bucket's dead-letter files: none (default), gzip
	// or zstd.
	Compression string `yaml:"compression"`
	// MaxCount stops sluice when more than this many records of one
	// partition were rejected since sluice started. 0 (default) is off.
	MaxCount int64 `yaml:"max_count"`
	// MaxRatio stops sluice when at least this share (0..1] of the last
	// Window records of a partition (kept, filtered or rejected) were
	// rejected. 0 is off. Default 0.5.
	MaxRatio float64 `yaml:"max_ratio"`
	// Window is the number of a partition's latest records MaxRatio is
	// judged over, once it has seen that many. Default 1000.
	Window int `yaml:"window"`
}

// DefaultConfig returns the settings used where the file sets none: the
// bucket, uncompressed, stopping when half of the last 1000 records of a
// partition were rejected.
func DefaultConfig() Config {
	return Config{Destination: DestinationBucket, Compression: format.CompressionNone,
		MaxRatio: DefaultMaxRatio, Window: DefaultWindow}
}

// compressions are the compressions of dead-letter files.
var compressions = []string{format.CompressionNone, format.CompressionGzip, format.CompressionZstd}

// Validate reports every problem of the section, each a *conf.FieldError
// naming its path relative to it ("max_ratio"). It only checks.
func (c Config) Validate() error {
	var errs conf.Errors
	switch c.Destination {
	case DestinationBucket:
		if c.Topic != "" {
			errs.Addf("topic", "is for destination kafka; destination bucket writes to the bucket's _rejected/ prefix")
		}
	case DestinationKafka:
		if c.Topic == "" {
			errs.Addf("topic", "is required with destination kafka")
		}
	default:
		errs.Addf("destination", "unknown destination %q (want bucket, kafka)", c.Destination)
	}
	if !slices.Contains(compressions, c.Compression) {
		errs.Addf("compression", "unknown compression %q (want none, gzip, zstd)", c.Compression)
	}
	if c.MaxCount < 0 {
		errs.Addf("max_count", "must be 0 (off) or positive, got %d", c.MaxCount)
	}
	if c.MaxRatio < 0 || c.MaxRatio > 1 {
		errs.Addf("max_ratio", "must be between 0 (off) and 1, got %g", c.MaxRatio)
	}
	if c.MaxRatio > 0 && (c.Window < 1 || c.Window > MaxWindow) {
		errs.Addf("window", "must be between 1 and %d with max_ratio set, got %d", MaxWindow, c.Window)
	}
	return errs.Err()
}
