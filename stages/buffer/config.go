package buffer

import (
	"time"

	"github.com/sluicehq/sluice/internal/units"
)

// Policy says when the buffer seals a round of one Kafka partition. The first
// limit reached seals the round.
type Policy struct {
	// MaxBytes seals a round once it holds this many payload bytes. Default 128MiB.
	MaxBytes units.ByteSize `yaml:"max_bytes"`
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
	// Dir is the local directory rounds are spilled to. sluice owns it: it is
	// locked while sluice runs and emptied at start (what it held was not
	// committed and is read again from Kafka). Default "./sluice-buffer".
	Dir string `yaml:"dir"`
	// Memory bounds the records held in memory before they are spilled to
	// Dir, across all open files. Default 64MiB.
	Memory units.ByteSize `yaml:"memory"`
	// MaxOpenFiles bounds the files open across all rounds; reaching it seals
	// the round with the most open files. Default 1000.
	MaxOpenFiles int `yaml:"max_open_files"`
}
