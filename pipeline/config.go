package pipeline

import (
	"time"

	"github.com/sluicehq/sluice/stages/buffer"
	"github.com/sluicehq/sluice/stages/format"
	"github.com/sluicehq/sluice/stages/parse"
	"github.com/sluicehq/sluice/stages/partition"
	"github.com/sluicehq/sluice/stages/upload"
	"github.com/sluicehq/sluice/transport/kafka"
	"github.com/sluicehq/sluice/transport/objstore"
)

// Config is the whole of a sluice configuration file.
type Config struct {
	// Kafka says where to read from and which topics.
	Kafka kafka.Config `yaml:"kafka"`
	// Destination says where files go.
	Destination Destination `yaml:"destination"`
	// Buffer configures the local buffer rounds are built in.
	Buffer buffer.Config `yaml:"buffer"`
	// Upload configures the upload stage.
	Upload upload.Config `yaml:"upload"`
	// Defaults apply to every topic unless an override says otherwise.
	Defaults Topic `yaml:"defaults"`
	// Overrides change settings for some topics. Fields an override leaves out
	// keep their value from Defaults. The first override that matches a topic
	// wins.
	Overrides []Override `yaml:"overrides"`
	// ShutdownTimeout bounds the graceful shutdown: sealing, uploading and
	// committing what is buffered. Default 1m.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// Log configures sluice's own log.
	Log Log `yaml:"log"`
}

// Destination is where sluice writes.
type Destination struct {
	// URL is "s3://bucket/prefix" or "file:///absolute/path". Required.
	URL string `yaml:"url"`
	// S3 configures the S3 client for s3:// URLs.
	S3 objstore.S3Config `yaml:"s3"`
}

// Topic is the per-topic part of the configuration.
type Topic struct {
	// Parser reads each record's event time.
	Parser parse.Config `yaml:"parser"`
	// Partitioner chooses each record's output partition.
	Partitioner partition.Config `yaml:"partitioner"`
	// Format is the output file format.
	Format format.Config `yaml:"format"`
	// Policy says when rounds are sealed.
	Policy buffer.Policy `yaml:"policy"`
}

// Override is a Topic configuration for the topics it matches.
type Override struct {
	// Topic matches one topic by name.
	Topic string `yaml:"topic"`
	// TopicRegex matches topics whose whole name matches (RE2 syntax).
	TopicRegex string `yaml:"topic_regex"`
	// Settings are the override's values; unset fields keep the defaults.
	Settings Topic `yaml:"settings"`
}

// Log configures sluice's own log lines.
type Log struct {
	// Level is "debug", "info" (default), "warn" or "error".
	Level string `yaml:"level"`
	// Format is "text" (default) or "json".
	Format string `yaml:"format"`
}
