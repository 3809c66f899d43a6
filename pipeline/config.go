package pipeline

import (
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/schema"

	"github.com/sluicehq/sluice/pipeline/health"
	"github.com/sluicehq/sluice/stages"
	"github.com/sluicehq/sluice/stages/buffer"
	"github.com/sluicehq/sluice/stages/deadletter"
	"github.com/sluicehq/sluice/stages/format"
	"github.com/sluicehq/sluice/stages/parse"
	"github.com/sluicehq/sluice/stages/partition"
	"github.com/sluicehq/sluice/stages/upload"
	"github.com/sluicehq/sluice/telemetry"
	"github.com/sluicehq/sluice/transport/kafka"
	"github.com/sluicehq/sluice/transport/objstore"
	"github.com/sluicehq/sluice/transport/schemareg"
)

// Config is the whole of a sluice configuration file.
type Config struct {
	// Kafka says where to read from and which topics.
	Kafka kafka.Config `yaml:"kafka"`
	// SchemaRegistry is the Confluent Schema Registry the parsers of the
	// wire format (avro, protobuf, json_schema) fetch schemas from. None
	// by default.
	SchemaRegistry schemareg.Config `yaml:"schema_registry"`
	// Destination says where files go.
	Destination Destination `yaml:"destination"`
	// Buffer configures the local buffer rounds are built in.
	Buffer buffer.Config `yaml:"buffer"`
	// Ingest configures how records travel from Kafka to the buffer.
	Ingest Ingest `yaml:"ingest"`
	// Upload configures the upload stage.
	Upload upload.Config `yaml:"upload"`
	// Defaults apply to every topic unless an override says otherwise.
	Defaults Topic `yaml:"defaults"`
	// Overrides change settings for some topics. Fields an override leaves out
	// keep their value from Defaults. The first override that matches a topic
	// wins.
	Overrides []Override `yaml:"overrides,omitempty"`
	// ShutdownTimeout bounds the graceful shutdown: sealing, uploading and
	// committing what is buffered. Default 1m.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// MemoryLimit is the soft limit of the process's memory handed to the Go
	// runtime (see runtime/debug.SetMemoryLimit): the garbage collector works
	// harder as the heap nears it instead of letting it grow to twice what is
	// live. 0 turns it off. GOMEMLIMIT in the environment, when set, wins.
	// Default 192MiB; at least buffer.memory + MemoryLimitHeadroom.
	MemoryLimit conf.ByteSize `yaml:"memory_limit"`
	// Log configures sluice's own log.
	Log Log `yaml:"log"`
	// Telemetry configures traces and metrics (OpenTelemetry).
	Telemetry telemetry.Config `yaml:"telemetry"`
	// Health configures the health endpoints (/healthz, /readyz) that
	// sluice run serves for Kubernetes probes.
	Health health.Config `yaml:"health"`
}

// Destination is where sluice writes.
type Destination struct {
	// URL is "s3://bucket/prefix", "file:///absolute/path", or a URL of a
	// scheme a program registered with objstore.Register. Required.
	URL string `yaml:"url"`
	// S3 configures the S3 client for s3:// URLs.
	S3 objstore.S3Config `yaml:"s3"`
}

// Validate reports every problem of the destination, each a *FieldError
// naming its YAML path relative to the destination ("url", "s3.part_size").
// The URL's scheme must be registered (objstore.Register; s3 and file are
// built in). The s3 section is checked whatever the URL's scheme.
func (d Destination) Validate() error {
	var errs conf.Errors
	for _, err := range objstore.CheckURL(d.URL) {
		errs.Add("url", err)
	}
	errs.Nest("s3", d.S3.Validate())
	return errs.Err()
}

// Ingest configures the ingest chain: records leave the Kafka consumer in
// micro-batches of one partition and go through parse, partition, the
// topics' stages and the buffer, each a Watermill handler.
type Ingest struct {
	// Lanes is how many batches (of different Kafka partitions) each
	// handler of the chain works on at once. 0 (default) is one per CPU,
	// at least 2.
	Lanes int `yaml:"lanes"`
	// Batch bounds the batches.
	Batch kafka.BatchConfig `yaml:"batch"`
}

// lanes resolves Lanes.
func (i Ingest) lanes() int {
	if i.Lanes > 0 {
		return i.Lanes
	}
	return max(runtime.GOMAXPROCS(0), 2)
}

// Validate reports every problem of the ingest settings.
func (i Ingest) Validate() error {
	var errs conf.Errors
	if i.Lanes < 0 || i.Lanes > 256 {
		errs.Addf("lanes", "must be between 0 (one per CPU) and 256, got %d", i.Lanes)
	}
	errs.Nest("batch", i.Batch.Validate())
	return errs.Err()
}

// Topic is the per-topic part of the configuration.
type Topic struct {
	// Parser decodes each record and reads its event time.
	Parser parse.Config `yaml:"parser"`
	// Schema gives JSON and text records typed columns: declared fields,
	// or "infer". Avro, Protobuf and JSON Schema topics take theirs from
	// the Schema Registry instead. Default none: values are archived as
	// bytes in the envelope's value column.
	Schema schema.Config `yaml:"schema,omitempty"`
	// Partitioner chooses each record's output partition.
	Partitioner partition.Config `yaml:"partitioner"`
	// Format is the output file format.
	Format format.Config `yaml:"format"`
	// Policy says when rounds are sealed.
	Policy buffer.Policy `yaml:"policy"`
	// Stages run on the topic's records after the partitioner and before
	// the buffer, in order: built-in ones (filter, transform) and those a
	// program registered (stages.Register). Each is a one-key mapping, the
	// stage's name and its options.
	Stages []stages.Spec `yaml:"stages,omitempty"`
	// DeadLetter says where records that cannot be archived as the topic
	// asks go (the bucket's _rejected/ prefix, or a Kafka topic) and when
	// too many of them stop sluice.
	DeadLetter deadletter.Config `yaml:"dead_letter"`
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

// DefaultMemoryLimit is the default of Config.MemoryLimit.
const DefaultMemoryLimit = conf.ByteSize(192 << 20)

// MemoryLimitHeadroom is what the process needs besides buffer.memory: the
// Kafka client's fetch buffers, records in flight, the encoders of the rounds
// being uploaded. A memory limit below buffer.memory plus this would keep the
// garbage collector running all the time.
const MemoryLimitHeadroom = conf.ByteSize(96 << 20)

// DefaultConfig returns the configuration a file starts from: every field a
// file leaves out keeps the value it has here. Brokers, topics and the
// destination URL have no default.
func DefaultConfig() Config {
	return Config{
		Kafka:           kafka.DefaultConfig(),
		SchemaRegistry:  schemareg.DefaultConfig(),
		Destination:     Destination{S3: objstore.DefaultS3Config()},
		Buffer:          buffer.DefaultConfig(),
		Ingest:          Ingest{Batch: kafka.DefaultBatchConfig()},
		Upload:          upload.DefaultConfig(),
		Defaults:        DefaultTopic(),
		ShutdownTimeout: time.Minute,
		MemoryLimit:     DefaultMemoryLimit,
		Log:             Log{Level: "info", Format: "text"},
		Telemetry:       telemetry.DefaultConfig(),
		Health:          health.DefaultConfig(),
	}
}

// DefaultTopic returns the per-topic configuration used where the file sets
// none: raw parser, hourly UTC partitions, Parquet with zstd, the default
// sealing policy, and rejected records to the bucket.
func DefaultTopic() Topic {
	return Topic{
		Parser:      parse.DefaultConfig(),
		Partitioner: partition.DefaultConfig(),
		Format:      format.DefaultConfig(),
		Policy:      buffer.DefaultPolicy(),
		DeadLetter:  deadletter.DefaultConfig(),
	}
}

// Validate reports every problem of the configuration, joined with
// errors.Join, each a *FieldError naming its YAML path
// ("overrides[1].settings.format.compression"). It only checks; it never
// fills in defaults.
func (c Config) Validate() error {
	var errs conf.Errors
	errs.Nest("kafka", c.Kafka.Validate())
	errs.Nest("schema_registry", c.SchemaRegistry.Validate())
	errs.Nest("destination", c.Destination.Validate())
	errs.Nest("buffer", c.Buffer.Validate())
	errs.Nest("ingest", c.Ingest.Validate())
	errs.Nest("upload", c.Upload.Validate())
	defaultsErr := c.Defaults.Validate()
	errs.Nest("defaults", defaultsErr)
	if c.Defaults.Parser.NeedsRegistry() && !c.SchemaRegistry.Configured() {
		errs.Addf("defaults.parser.type", "%s", c.noRegistry(c.Defaults.Parser))
	}
	// An override inherits what it does not set from defaults; a problem
	// there is reported once, under defaults, not again for each override.
	inherited := make(map[string]bool)
	for _, fe := range conf.List(defaultsErr) {
		inherited[fe.Error()] = true
	}
	literal := make(map[string]int)
	for i, o := range c.Overrides {
		path := conf.Index("overrides", i)
		switch {
		case o.Topic == "" && o.TopicRegex == "":
			errs.Addf(path, "one of topic and topic_regex is required")
		case o.Topic != "" && o.TopicRegex != "":
			errs.Addf(path, "topic and topic_regex exclude each other")
		case o.TopicRegex != "":
			if _, err := regexp.Compile(o.TopicRegex); err != nil {
				errs.Addf(path+".topic_regex", "invalid regular expression: %v", err)
			}
		case !c.archives(o.Topic):
			errs.Addf(path+".topic", "%q is neither in kafka.topics nor matched by kafka.topic_regex", o.Topic)
		default:
			if first, ok := literal[o.Topic]; ok {
				errs.Addf(path+".topic", "%q is already overridden by overrides[%d]", o.Topic, first)
			}
			literal[o.Topic] = i
		}
		for _, fe := range conf.List(o.Settings.Validate()) {
			if !inherited[fe.Error()] {
				errs.Nest(path+".settings", fe)
			}
		}
		if o.Settings.Parser.NeedsRegistry() && !c.SchemaRegistry.Configured() &&
			!c.Defaults.Parser.NeedsRegistry() {
			errs.Addf(path+".settings.parser.type", "%s", c.noRegistry(o.Settings.Parser))
		}
	}
	c.checkDeadLetterTopic(&errs, "defaults", c.Defaults)
	for i, o := range c.Overrides {
		c.checkDeadLetterTopic(&errs, conf.Index("overrides", i)+".settings", o.Settings)
	}
	if c.ShutdownTimeout <= 0 {
		errs.Addf("shutdown_timeout", "must be positive, got %s", c.ShutdownTimeout)
	}
	if c.MemoryLimit < 0 || (c.MemoryLimit > 0 && c.MemoryLimit < c.Buffer.Memory+MemoryLimitHeadroom) {
		errs.Addf("memory_limit", "must be 0 (off) or at least buffer.memory + %s (%s), got %s",
			MemoryLimitHeadroom, c.Buffer.Memory+MemoryLimitHeadroom, c.MemoryLimit)
	}
	errs.Nest("log", c.Log.Validate())
	errs.Nest("telemetry", c.Telemetry.Validate())
	errs.Nest("health", c.Health.Validate())
	return errs.Err()
}

// checkDeadLetterTopic reports a dead-letter topic sluice itself archives:
// its records, rejected again, would go round for ever.
func (c Config) checkDeadLetterTopic(errs *conf.Errors, path string, t Topic) {
	if t.DeadLetter.Destination == "kafka" && t.DeadLetter.Topic != "" && c.archives(t.DeadLetter.Topic) {
		errs.Addf(path+".dead_letter.topic", "%q is archived by this configuration (kafka.topics or kafka.topic_regex): "+
			"its rejected records would come back round", t.DeadLetter.Topic)
	}
}

// noRegistry is the problem of a parser that needs the Schema Registry
// when none is configured.
func (c Config) noRegistry(p parse.Config) string {
	return fmt.Sprintf("the %s parser fetches schemas from a Schema Registry, and schema_registry.url is not set", p.Type)
}

// archives reports whether topic is one of the archived topics as far as the
// configuration alone tells: listed, or matched by kafka.topic_regex.
func (c Config) archives(topic string) bool {
	if slices.Contains(c.Kafka.Topics, topic) {
		return true
	}
	re, err := wholeMatch(c.Kafka.TopicRegex)
	return c.Kafka.TopicRegex != "" && err == nil && re.MatchString(topic)
}

// TopicConfig returns the settings for topic: those of the first override
// that matches it (by name, or by a topic_regex matching the whole name),
// else Defaults. Overrides whose regex does not compile are skipped
// (Validate reports them).
func (c Config) TopicConfig(topic string) Topic {
	for _, o := range c.Overrides {
		if o.Topic != "" && o.Topic == topic {
			return o.Settings
		}
		if o.Topic == "" && o.TopicRegex != "" {
			if re, err := wholeMatch(o.TopicRegex); err == nil && re.MatchString(topic) {
				return o.Settings
			}
		}
	}
	return c.Defaults
}

// wholeMatch compiles expr anchored to match whole names.
func wholeMatch(expr string) (*regexp.Regexp, error) {
	return regexp.Compile("^(?:" + expr + ")$")
}

// Redacted returns a copy of c with secrets (destination.s3.secret_access_key
// and session_token, kafka.sasl.password, schema_registry.basic_auth.password
// and bearer_token) replaced by "[REDACTED]", safe to
// log or print.
func (c Config) Redacted() Config {
	c.Kafka = c.Kafka.Redacted()
	c.SchemaRegistry = c.SchemaRegistry.Redacted()
	c.Destination.S3 = c.Destination.S3.Redacted()
	c.Telemetry = c.Telemetry.Redacted()
	return c
}

// String renders the configuration as YAML with secrets redacted (see
// Redacted); the output parses back to the same configuration, less the
// secrets.
func (c Config) String() string {
	b, err := yaml.Marshal(c.Redacted())
	if err != nil {
		return fmt.Sprintf("<rendering config: %v>", err)
	}
	return string(b)
}

// Validate reports every problem of the topic settings, each a *FieldError
// naming its YAML path relative to the settings ("format.compression").
func (t Topic) Validate() error {
	var errs conf.Errors
	errs.Nest("parser", t.Parser.Validate())
	errs.Nest("schema", t.Schema.Validate())
	for i, f := range t.Schema.Fields {
		if err := t.Format.Columns.Collides(f.Name); err != nil {
			errs.Add(conf.Index("schema.fields", i)+".name", err)
		}
	}
	if !t.Schema.IsZero() && slices.Contains(typedParsers, t.Parser.Type) {
		errs.Addf("schema", "the %s parser takes its schema from the records; a declared or inferred schema applies to json and text parsers", t.Parser.Type)
	}
	errs.Nest("partitioner", t.Partitioner.Validate())
	errs.Nest("format", t.Format.Validate())
	errs.Nest("policy", t.Policy.Validate())
	errs.Nest("dead_letter", t.DeadLetter.Validate())
	for i, spec := range t.Stages {
		// A copy: decoding sets the copy's options, not the caller's.
		errs.Nest("", spec.Decode(conf.Index("stages", i)))
	}
	return errs.Err()
}

// typedParsers are the parsers whose records carry their own schema.
var typedParsers = []string{"avro", "protobuf", "json_schema"}

// Validate reports every problem of the log settings.
func (l Log) Validate() error {
	var errs conf.Errors
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, l.Level) {
		errs.Addf("level", "unknown level %q (want debug, info, warn, error)", l.Level)
	}
	if l.Format != "text" && l.Format != "json" {
		errs.Addf("format", "unknown format %q (want text, json)", l.Format)
	}
	return errs.Err()
}
