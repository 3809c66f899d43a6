package pipeline

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/stages/deadletter"
	"github.com/sluicehq/sluice/stages/format"
	"github.com/sluicehq/sluice/stages/parse"
)

var update = flag.Bool("update", false, "rewrite the expected-errors golden files in testdata")

// env is a fixed environment for tests, independent of the machine's.
func env(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func loadTestdata(t *testing.T, name string) (Config, error) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return parseWith(data, env(nil))
}

// TestGolden parses every testdata/*.yaml: valid files must give no error,
// invalid_*.yaml files exactly the errors listed in their .errors file.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			cfg, err := loadTestdata(t, name)
			if !strings.HasPrefix(name, "invalid_") {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			golden := strings.TrimSuffix(file, ".yaml") + ".errors"
			got := err.Error() + "\n"
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test ./pipeline -update to create it")
			assert.Equal(t, string(want), got)
			if strings.HasSuffix(name, "_many.yaml") {
				// Validation problems come with the configuration as read.
				assert.Equal(t, "events", cfg.Kafka.Topics[0])
			}
		})
	}
}

func TestLoad(t *testing.T) {
	cfg, err := Load(filepath.Join("testdata", "minimal.yaml"))
	require.NoError(t, err)
	assert.Equal(t, []string{"events"}, cfg.Kafka.Topics)

	_, err = Load(filepath.Join("testdata", "missing.yaml"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

// TestMinimal: a file that sets only the required fields gets the defaults
// for everything else.
func TestMinimal(t *testing.T) {
	cfg, err := loadTestdata(t, "minimal.yaml")
	require.NoError(t, err)
	want := DefaultConfig()
	want.Kafka.Brokers = []string{"localhost:9092"}
	want.Kafka.Topics = []string{"events"}
	want.Destination.URL = "s3://my-archive/kafka"
	assert.Equal(t, want, cfg)
}

// TestFull keeps the reference file honest: what it says is the default is
// DefaultConfig, and its examples decode to what they say.
func TestFull(t *testing.T) {
	cfg, err := loadTestdata(t, "full.yaml")
	require.NoError(t, err)

	want := DefaultConfig()
	want.Kafka.Brokers = []string{"localhost:9092"}
	want.Kafka.Topics = []string{"events", "logs"}
	want.Kafka.TopicRegex = "audit-.*"
	want.Destination.URL = "s3://my-archive/kafka"
	logs := DefaultTopic()
	logs.Parser.Type, logs.Parser.JSON = "json", parse.JSONConfig{TimeField: "meta.ts", TimeFormat: "unix_ms"}
	logs.Format = format.Config{Type: "jsonl", Compression: "gzip", Columns: format.DefaultColumns()}
	logs.DeadLetter = deadletter.Config{Destination: "kafka", Topic: "logs-dlq", Compression: "none",
		MaxCount: 100, MaxRatio: 0.5, Window: 1000}
	audit := DefaultTopic()
	audit.Partitioner.Granularity = "day"
	audit.Policy.MaxEventSpan = 24 * time.Hour
	audit.Policy.Idle = 10 * time.Minute
	want.Overrides = []Override{
		{Topic: "logs", Settings: logs},
		{TopicRegex: "audit-.*", Settings: audit},
	}
	sample := 0.01
	want.Telemetry.ResourceAttributes = map[string]string{"deployment.environment": "production"}
	want.Telemetry.Traces.SampleRatio = &sample
	want.Telemetry.Metrics.Exporters = []string{"otlp", "prometheus"}
	want.Telemetry.OTLP.Endpoint = "http://otel-collector:4317"
	want.Telemetry.OTLP.Headers = map[string]string{"x-api-key": "none"}
	want.Health.Listen = ":8080"
	assert.Equal(t, want, cfg)
}

// TestStringRoundTrip: the printed configuration parses back to itself.
func TestStringRoundTrip(t *testing.T) {
	for _, name := range []string{"minimal.yaml", "full.yaml"} {
		t.Run(name, func(t *testing.T) {
			cfg, err := loadTestdata(t, name)
			require.NoError(t, err)
			again, err := parseWith([]byte(cfg.String()), env(nil))
			require.NoError(t, err, cfg.String())
			assert.Equal(t, cfg.Redacted(), again, "the same, less the secrets")
		})
	}
}

func TestRedacted(t *testing.T) {
	data := []byte(`
kafka: {brokers: ["k:9092"], topics: [t]}
destination:
  url: s3://bucket/p
  s3: {access_key_id: AKIDEXAMPLE, secret_access_key: "${SECRET}", session_token: tok3n}
`)
	cfg, err := parseWith(data, env(map[string]string{"SECRET": "s3cr3t"}))
	require.NoError(t, err)
	out := cfg.String()
	assert.NotContains(t, out, "s3cr3t")
	cfg.Telemetry.OTLP.Headers = map[string]string{"authorization": "Bearer t0ken"}
	assert.NotContains(t, cfg.String(), "t0ken")
	assert.NotContains(t, out, "tok3n")
	assert.Contains(t, out, "AKIDEXAMPLE")
	assert.Equal(t, "[REDACTED]", cfg.Redacted().Destination.S3.SecretAccessKey)
	assert.Equal(t, "s3cr3t", cfg.Destination.S3.SecretAccessKey, "Redacted must not change the original")

	cfg.Destination.S3.SecretAccessKey, cfg.Destination.S3.SessionToken = "", ""
	assert.Empty(t, cfg.Redacted().Destination.S3.SecretAccessKey, "an unset secret stays unset")
}

func TestFieldErrors(t *testing.T) {
	_, err := parseWith([]byte("kafka:\n  brokerz: []\n"), env(nil))
	require.ErrorIs(t, err, ErrUnknownField)
	var fe *FieldError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "kafka.brokerz", fe.Path)
	assert.Equal(t, 2, fe.Line)

	err = DefaultConfig().Validate()
	list := FieldErrors(err)
	paths := make([]string, len(list))
	for i, fe := range list {
		paths[i] = fe.Path
	}
	assert.Equal(t, []string{"kafka.brokers", "kafka.topics", "destination.url"}, paths)
}

func TestParseEmpty(t *testing.T) {
	for _, data := range []string{"", "# only a comment\n", "---\n"} {
		cfg, err := parseWith([]byte(data), env(nil))
		require.Error(t, err)
		assert.Equal(t, DefaultConfig(), cfg, "an empty file is the defaults, with their problems")
	}
	_, err := parseWith([]byte("a: 1\n---\nb: 2\n"), env(nil))
	require.ErrorContains(t, err, "want one document")
	_, err = parseWith([]byte("just a string\n"), env(nil))
	require.ErrorContains(t, err, "want a mapping")
}

// valid is a complete valid configuration file the table tests add to.
const valid = `kafka: {brokers: ["k:9092"], topics: [events, logs]}
destination: {url: "s3://bucket/prefix"}
`

// withValid completes a test's YAML into a valid file: it adds the
// destination, and the kafka section unless the test has its own. The
// test's YAML starts on line 3.
func withValid(y string) []byte {
	if strings.HasPrefix(y, "kafka:") {
		return []byte("# kafka from the test\ndestination: {url: \"s3://bucket/prefix\"}\n" + y)
	}
	return []byte(valid + y)
}

func TestEnvExpansion(t *testing.T) {
	vars := map[string]string{"BROKER": "kafka-1:9092", "EMPTY": "", "CONC": "8", "REGEX": "^a$", "DIR": "/data"}
	tests := []struct {
		name, yaml string
		check      func(t *testing.T, c Config)
		wantErr    string
	}{
		{name: "set", yaml: `kafka: {brokers: ["${BROKER}"], topics: [a]}`,
			check: func(t *testing.T, c Config) { assert.Equal(t, []string{"kafka-1:9092"}, c.Kafka.Brokers) }},
		{name: "default when unset", yaml: `kafka: {brokers: ["${NOPE:-k:1}"], topics: [a]}`,
			check: func(t *testing.T, c Config) { assert.Equal(t, []string{"k:1"}, c.Kafka.Brokers) }},
		{name: "default when empty", yaml: `kafka: {brokers: [k:1], topics: ["${EMPTY:-a}"]}`,
			check: func(t *testing.T, c Config) { assert.Equal(t, []string{"a"}, c.Kafka.Topics) }},
		{name: "set but empty without default", yaml: `kafka: {brokers: [k:1], topics: [a], topic_regex: "${EMPTY}"}`,
			check: func(t *testing.T, c Config) { assert.Empty(t, c.Kafka.TopicRegex) }},
		{name: "plain scalar takes the value's type", yaml: "upload:\n  concurrency: ${CONC}",
			check: func(t *testing.T, c Config) { assert.Equal(t, 8, c.Upload.Concurrency) }},
		{name: "inside a string", yaml: `buffer: {dir: "${DIR}/buf-${NOPE:-x}"}`,
			check: func(t *testing.T, c Config) { assert.Equal(t, "/data/buf-x", c.Buffer.Dir) }},
		{name: "dollar escapes", yaml: `kafka: {brokers: [k:1], topics: [a], topic_regex: "a$$b$${BROKER}"}`,
			check: func(t *testing.T, c Config) { assert.Equal(t, "a$b${BROKER}", c.Kafka.TopicRegex) }},
		{name: "bare dollar stays", yaml: `kafka: {brokers: [k:1], topics: [a], topic_regex: "^logs$|x$y"}`,
			check: func(t *testing.T, c Config) { assert.Equal(t, "^logs$|x$y", c.Kafka.TopicRegex) }},
		{name: "value is not re-expanded", yaml: `kafka: {brokers: [k:1], topics: [a], topic_regex: "${REGEX}"}`,
			check: func(t *testing.T, c Config) { assert.Equal(t, "^a$", c.Kafka.TopicRegex) }},
		{name: "comments are not expanded", yaml: "log: {level: debug} # ${NOPE}\n# ${NOPE}",
			check: func(t *testing.T, c Config) { assert.Equal(t, "debug", c.Log.Level) }},
		{name: "anchor expanded once", yaml: `kafka: {brokers: [k:1], topics: [a], topic_regex: &d "x$$y", group: *d}`,
			check: func(t *testing.T, c Config) { assert.Equal(t, "x$y", c.Kafka.Group) }},
		{name: "unset names variable and line", yaml: "log:\n  level: ${LEVEL}",
			wantErr: "line 4: log.level: environment variable is not set: LEVEL (set it or write ${LEVEL:-default})"},
		{name: "every unset variable", yaml: `buffer: {dir: "${A}/${B}"}`,
			wantErr: "line 3: buffer.dir: environment variable is not set: A (set it or write ${A:-default})\n" +
				"line 3: buffer.dir: environment variable is not set: B (set it or write ${B:-default})"},
		{name: "unterminated", yaml: `buffer: {dir: "${DIR"}`,
			wantErr: `line 3: buffer.dir: malformed ${...} reference: "${DIR" has no closing brace`},
		{name: "bad name", yaml: `buffer: {dir: "${1X}"}`,
			wantErr: `line 3: buffer.dir: malformed ${...} reference: "1X" is not a variable name (want ${NAME} or ${NAME:-default}; write $$ for a literal $)`},
		{name: "nested default", yaml: `buffer: {dir: "${A:-${B}}"}`,
			wantErr: `line 3: buffer.dir: malformed ${...} reference: nested reference in the default of ${A:-${B}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseWith(withValid(tt.yaml), env(vars))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Equal(t, tt.wantErr, err.Error())
				return
			}
			require.NoError(t, err)
			tt.check(t, cfg)
		})
	}
}

func TestOverrideMerging(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       func() Topic // settings of overrides[0]
	}{
		{
			name: "only type: keeps default parser, policy and compression",
			yaml: "overrides:\n  - topic: logs\n    settings: {format: {type: jsonl}}",
			want: func() Topic {
				s := DefaultTopic()
				s.Format.Type = "jsonl"
				return s
			},
		},
		{
			name: "starts from the file's defaults, not the built-in ones",
			yaml: "defaults:\n  policy: {idle: 5m}\n  partitioner: {timezone: Europe/Berlin}\n" +
				"overrides:\n  - topic: logs\n    settings: {policy: {max_records: 10}}",
			want: func() Topic {
				s := DefaultTopic()
				s.Policy.Idle = 5 * time.Minute
				s.Policy.MaxRecords = 10
				s.Partitioner.Timezone = "Europe/Berlin"
				return s
			},
		},
		{
			name: "no settings: the defaults",
			yaml: "defaults: {format: {compression: snappy}}\noverrides:\n  - topic: logs",
			want: func() Topic {
				s := DefaultTopic()
				s.Format.Compression = "snappy"
				return s
			},
		},
		{
			name: "null settings: the defaults",
			yaml: "overrides:\n  - topic: logs\n    settings:",
			want: DefaultTopic,
		},
		{
			name: "nested field keeps its siblings",
			yaml: "defaults: {parser: {type: json, json: {time_field: ts}}}\n" +
				"overrides:\n  - topic: logs\n    settings: {parser: {json: {time_format: rfc3339}}}",
			want: func() Topic {
				s := DefaultTopic()
				s.Parser.Type, s.Parser.JSON = "json", parse.JSONConfig{TimeField: "ts", TimeFormat: "rfc3339"}
				return s
			},
		},
		{
			name: "settings shared through an anchor and a merge key",
			yaml: "overrides:\n  - &events\n    topic: events\n    settings: {format: {type: jsonl}}\n" +
				"  - <<: *events\n    topic: logs",
			want: func() Topic {
				s := DefaultTopic()
				s.Format.Type = "jsonl"
				return s
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseWith(withValid(tt.yaml), env(nil))
			require.NoError(t, err)
			require.NotEmpty(t, cfg.Overrides)
			assert.Equal(t, tt.want(), cfg.Overrides[len(cfg.Overrides)-1].Settings)
		})
	}
}

func TestTopicConfig(t *testing.T) {
	cfg := DefaultConfig()
	jsonl := DefaultTopic()
	jsonl.Format.Type = "jsonl"
	daily := DefaultTopic()
	daily.Partitioner.Granularity = "day"
	cfg.Overrides = []Override{
		{Topic: "logs", Settings: jsonl},
		{TopicRegex: "audit-.*", Settings: daily},
		{TopicRegex: "logs|audit-x", Settings: DefaultTopic()}, // shadowed by the ones above
		{TopicRegex: "((", Settings: jsonl},                    // invalid: skipped
	}
	tests := []struct {
		topic string
		want  Topic
	}{
		{"logs", jsonl},
		{"audit-x", daily},
		{"audit-", daily},
		{"my-audit-x", cfg.Defaults}, // the regex must match the whole name
		{"audit", cfg.Defaults},
		{"logs2", cfg.Defaults},
		{"events", cfg.Defaults},
	}
	for _, tt := range tests {
		t.Run(tt.topic, func(t *testing.T) {
			assert.Equal(t, tt.want, cfg.TopicConfig(tt.topic))
		})
	}
}

// TestValidate covers the rules pipeline.Config checks itself, and that the
// sub-configurations' problems arrive under their YAML paths.
func TestValidate(t *testing.T) {
	base := func() Config {
		c := DefaultConfig()
		c.Kafka.Brokers = []string{"k:9092"}
		c.Kafka.Topics = []string{"events", "logs"}
		c.Destination.URL = "s3://bucket/prefix"
		return c
	}
	require.NoError(t, base().Validate())
	tests := []struct {
		name   string
		mutate func(*Config)
		want   []string
	}{
		{"s3 url", func(c *Config) { c.Destination.URL = "s3://my-bucket" }, nil},
		{"s3 url with dots", func(c *Config) { c.Destination.URL = "s3://my.bucket-1/a/b/" }, nil},
		{"file url", func(c *Config) { c.Destination.URL = "file:///var/lib/sluice" }, nil},
		{"no url", func(c *Config) { c.Destination.URL = "" },
			[]string{"destination.url: required (s3://bucket/prefix or file:///absolute/path)"}},
		{"short bucket", func(c *Config) { c.Destination.URL = "s3://ab/x" },
			[]string{`destination.url: invalid bucket name "ab" (want 3 to 63 of a-z, 0-9, '.', '-', starting and ending with a letter or digit)`}},
		{"long bucket", func(c *Config) { c.Destination.URL = "s3://" + strings.Repeat("a", 64) },
			[]string{`destination.url: invalid bucket name "` + strings.Repeat("a", 64) + `" (want 3 to 63 of a-z, 0-9, '.', '-', starting and ending with a letter or digit)`}},
		{"upper-case bucket", func(c *Config) { c.Destination.URL = "s3://Bucket/x" },
			[]string{`destination.url: invalid bucket name "Bucket" (want 3 to 63 of a-z, 0-9, '.', '-', starting and ending with a letter or digit)`}},
		{"prefix segments", func(c *Config) { c.Destination.URL = "s3://bucket/a//b" },
			[]string{`destination.url: prefix "a//b" has an empty, '.' or '..' path segment`}},
		{"relative file url", func(c *Config) { c.Destination.URL = "file://data/x" },
			[]string{`destination.url: "file://data/x" is not an absolute file URL (want file:///absolute/path)`}},
		{"opaque file url", func(c *Config) { c.Destination.URL = "file:data" },
			[]string{`destination.url: "file:data" is not an absolute file URL (want file:///absolute/path)`}},
		{"file url with ..", func(c *Config) { c.Destination.URL = "file:///a/../b" },
			[]string{`destination.url: "file:///a/../b" has a '..' path segment`}},
		{"scheme", func(c *Config) { c.Destination.URL = "gs://bucket" },
			[]string{`destination.url: unsupported scheme in "gs://bucket" (want file://, s3://)`}},
		{"query", func(c *Config) { c.Destination.URL = "s3://bucket/x?region=eu" },
			[]string{`destination.url: "s3://bucket/x?region=eu": user, query and fragment are not allowed`}},
		{"s3 section nested", func(c *Config) { c.Destination.S3.PartConcurrency = 0 },
			[]string{"destination.s3.part_concurrency: must be at least 1, got 0"}},
		{"kafka nested", func(c *Config) { c.Kafka.Brokers = nil },
			[]string{"kafka.brokers: at least one broker is required"}},
		{"buffer nested", func(c *Config) { c.Buffer.MaxOpenFiles = 0 },
			[]string{"buffer.max_open_files: must be at least 1, got 0"}},
		{"upload nested", func(c *Config) { c.Upload.Concurrency = 0 },
			[]string{"upload.concurrency: must be at least 1, got 0"}},
		{"defaults nested", func(c *Config) { c.Defaults.Policy.Idle = 0; c.Defaults.Format.Type = "orc" },
			[]string{`defaults.format.type: unknown format "orc" (want parquet, jsonl, avro)`, "defaults.policy.idle: must be positive, got 0s"}},
		{"override without topic", func(c *Config) { c.Overrides = []Override{{Settings: DefaultTopic()}} },
			[]string{"overrides[0]: one of topic and topic_regex is required"}},
		{"override with both", func(c *Config) {
			c.Overrides = []Override{{Topic: "logs", TopicRegex: "l.*", Settings: DefaultTopic()}}
		}, []string{"overrides[0]: topic and topic_regex exclude each other"}},
		{"override regex", func(c *Config) { c.Overrides = []Override{{TopicRegex: "a(", Settings: DefaultTopic()}} },
			[]string{"overrides[0].topic_regex: invalid regular expression: error parsing regexp: missing closing ): `a(`"}},
		{"override of an unarchived topic", func(c *Config) { c.Overrides = []Override{{Topic: "evnets", Settings: DefaultTopic()}} },
			[]string{`overrides[0].topic: "evnets" is neither in kafka.topics nor matched by kafka.topic_regex`}},
		{"override of a topic matched by kafka.topic_regex", func(c *Config) {
			c.Kafka.TopicRegex = "audit-.*"
			c.Overrides = []Override{{Topic: "audit-1", Settings: DefaultTopic()}}
		}, nil},
		{"duplicate override", func(c *Config) {
			c.Overrides = []Override{{Topic: "logs", Settings: DefaultTopic()}, {Topic: "logs", Settings: DefaultTopic()}}
		}, []string{`overrides[1].topic: "logs" is already overridden by overrides[0]`}},
		{"override settings", func(c *Config) {
			s := DefaultTopic()
			s.Format.Compression = "lz5"
			c.Overrides = []Override{{Topic: "events", Settings: DefaultTopic()}, {Topic: "logs", Settings: s}}
		}, []string{`overrides[1].settings.format.compression: unknown compression "lz5" for parquet (want zstd, snappy, gzip, none)`}},
		{"shutdown timeout", func(c *Config) { c.ShutdownTimeout = 0 },
			[]string{"shutdown_timeout: must be positive, got 0s"}},
		{"memory limit off", func(c *Config) { c.MemoryLimit = 0 }, nil},
		{"memory limit just enough", func(c *Config) { c.MemoryLimit = c.Buffer.Memory + MemoryLimitHeadroom }, nil},
		{"memory limit below the buffer", func(c *Config) { c.MemoryLimit = 128 << 20 },
			[]string{"memory_limit: must be 0 (off) or at least buffer.memory + 96 MiB (160 MiB), got 128 MiB"}},
		{"memory limit follows the buffer", func(c *Config) { c.Buffer.Memory = 512 << 20 },
			[]string{"memory_limit: must be 0 (off) or at least buffer.memory + 96 MiB (608 MiB), got 192 MiB"}},
		{"log", func(c *Config) { c.Log = Log{Level: "trace", Format: "logfmt"} },
			[]string{`log.level: unknown level "trace" (want debug, info, warn, error)`, `log.format: unknown format "logfmt" (want text, json)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.mutate(&c)
			assert.Equal(t, tt.want, messages(c.Validate()))
		})
	}
}

// messages lists the problems in err as strings; nil for none.
func messages(err error) []string {
	var out []string
	for _, fe := range FieldErrors(err) {
		out = append(out, fe.Error())
	}
	return out
}

// TestValidateDoesNotFillIn: a zero Config is reported field by field, not
// completed with defaults.
func TestValidateDoesNotFillIn(t *testing.T) {
	var c Config
	list := FieldErrors(c.Validate())
	assert.Greater(t, len(list), 20)
	assert.Equal(t, Config{}, c)
	assert.Contains(t, messages(c.Validate()), "defaults.policy.max_bytes: must be positive, got 0")
	assert.NotErrorIs(t, c.Validate(), ErrUnknownField)
}
