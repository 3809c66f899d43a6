package buffer

import (
	"time"

	"github.com/sluicehq/sluice/conf"
)

// Policy says when the buffer seals a round of one Kafka partition. The first
// limit reached seals the round.
type Policy struct {
	// MaxBytes seals a round once it holds this many payload bytes. Default 128MiB.
	MaxBytes conf.ByteSize `yaml:"max_bytes"`
	// MaxRecords seals a round once it holds this many records. Default 1000000.
	MaxRecords int64 `yaml:"max_records"`
	// MaxEventSpan seals a round once the event times in it span this long.
	// Default 10m.
	MaxEventSpan time.Duration `yaml:"max_event_span"`
	// Idle seals a round when no record arrived for it for this long (wall
	// clock). Default 1m.
	Idle time.Duration `yaml:"idle"`
}

// Config is the buffer's process-wide configuration.
type Config struct {
	// Dir is the local directory rounds are spilled to, one per process.
	// sluice owns it: at start it creates it, or takes an empty directory,
	// and marks it with a ".sluice-buffer" file; it refuses a directory that
	// holds files but no marker (a typo must not touch a user's data). It
	// locks the marker while it runs, and at start removes the spill
	// directories ("*.spill") an earlier run left, whose records were not
	// committed and are read again from Kafka. It never removes anything
	// else. Default "./sluice-buffer".
	Dir string `yaml:"dir"`
	// Memory bounds the records held in memory before they are spilled to
	// Dir, across all open files and the sealed rounds kept in memory until
	// they are uploaded and committed (a round that fits is never spilled).
	// Default 64MiB.
	Memory conf.ByteSize `yaml:"memory"`
	// MaxOpenFiles bounds the files open across all rounds; reaching it seals
	// the round with the most open files. Default 1000.
	MaxOpenFiles int `yaml:"max_open_files"`
	// MaxDisk bounds the bytes kept in Dir: spill files of open rounds and of
	// sealed rounds not yet committed. Once half of it is in use, each round that has spilled
	// is sealed at its next record (trigger "disk") so it is uploaded and
	// removed, and a spill that would pass it waits until uploads free room.
	// A record larger than half of it cannot be buffered: sluice stops with
	// an error naming it. 0 (the default) means 80% of the space free on
	// Dir's filesystem when sluice starts, at most 64GiB. Otherwise at least
	// 1MiB.
	MaxDisk conf.ByteSize `yaml:"max_disk"`
}

// MinMemory is the smallest Config.Memory accepted.
const MinMemory = conf.ByteSize(1 << 20)

// MinMaxDisk is the smallest Config.MaxDisk accepted (besides 0, derived
// from the free space).
const MinMaxDisk = conf.ByteSize(1 << 20)

// DefaultPolicy returns the sealing policy used where the file sets none:
// 128MiB, 1,000,000 records or 10 minutes of event time, whichever comes
// first, and 1 minute idle.
func DefaultPolicy() Policy {
	return Policy{
		MaxBytes:     128 << 20,
		MaxRecords:   1_000_000,
		MaxEventSpan: 10 * time.Minute,
		Idle:         time.Minute,
	}
}

// DefaultConfig returns the buffer configuration used where the file sets
// none.
func DefaultConfig() Config {
	return Config{Dir: "./sluice-buffer", Memory: 64 << 20, MaxOpenFiles: 1000}
}

// Validate reports every problem of the policy, each a *conf.FieldError
// naming its YAML path relative to the policy ("max_bytes"). Every limit must
// be positive. It only checks; it never fills in defaults.
func (p Policy) Validate() error {
	var errs conf.Errors
	if p.MaxBytes <= 0 {
		errs.Addf("max_bytes", "must be positive, got %d", p.MaxBytes)
	}
	if p.MaxRecords <= 0 {
		errs.Addf("max_records", "must be positive, got %d", p.MaxRecords)
	}
	if p.MaxEventSpan <= 0 {
		errs.Addf("max_event_span", "must be positive, got %s", p.MaxEventSpan)
	}
	if p.Idle <= 0 {
		errs.Addf("idle", "must be positive, got %s", p.Idle)
	}
	return errs.Err()
}

// Validate reports every problem of the configuration, each a
// *conf.FieldError naming its YAML path relative to the buffer ("dir",
// "memory", "max_disk"). It only checks; it never fills in defaults.
func (c Config) Validate() error {
	var errs conf.Errors
	if c.Dir == "" {
		errs.Addf("dir", "required")
	}
	if c.Memory < MinMemory {
		errs.Addf("memory", "must be at least %s, got %d bytes", MinMemory, int64(c.Memory))
	}
	if c.MaxOpenFiles < 1 {
		errs.Addf("max_open_files", "must be at least 1, got %d", c.MaxOpenFiles)
	}
	if c.MaxDisk != 0 && c.MaxDisk < MinMaxDisk {
		errs.Addf("max_disk", "must be 0 (80%% of the free space) or at least %s, got %d bytes", MinMaxDisk, int64(c.MaxDisk))
	}
	return errs.Err()
}
