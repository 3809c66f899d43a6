package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages"
	"github.com/sluicehq/sluice/stages/filter"
	"github.com/sluicehq/sluice/stages/transform"
)

// TestStagesConfig: the built-in stages are configured per topic, in
// defaults and in overrides, and build from what Parse decoded.
func TestStagesConfig(t *testing.T) {
	cfg, err := parseWith(withValid(`defaults:
  stages:
    - filter:
        drop_if: 'level == "debug"'
    - transform:
        set: {source: 'kafka.headers["source"]'}
        redact:
          user.email: {method: hash, key: "${REDACT_KEY}"}
overrides:
  - topic: logs
    settings:
      stages:
        - filter: {keep_if: 'kafka.key != null', on_error: drop}
`), env(map[string]string{"REDACT_KEY": "k"}))
	require.NoError(t, err)
	require.Len(t, cfg.Defaults.Stages, 2)
	assert.Equal(t, "filter", cfg.Defaults.Stages[0].Name)
	assert.Equal(t, &filter.Options{DropIf: `level == "debug"`, OnError: "fail"}, cfg.Defaults.Stages[0].Options.Value())
	assert.Equal(t, transform.Secret("k"), cfg.Defaults.Stages[1].Options.Value().(*transform.Options).Redact["user.email"].Key)
	assert.NotContains(t, cfg.String(), `"k"`, "the hash key is a secret")
	assert.Contains(t, cfg.String(), "key: '[REDACTED]'")
	logs := cfg.TopicConfig("logs")
	require.Len(t, logs.Stages, 1, "an override's list replaces the defaults'")
	assert.Equal(t, &filter.Options{KeepIf: "kafka.key != null", OnError: "drop"}, logs.Stages[0].Options.Value())

	// The stages build and run on a batch.
	b := &model.Batch{Topic: "events", Records: []model.Record{
		{Topic: "events", Offset: 0, Value: []byte(`{"level":"debug"}`)},
		{Topic: "events", Offset: 1, Value: []byte(`{"level":"info","user":{"email":"a@b"}}`),
			Headers: []model.Header{{Key: "source", Value: []byte("web")}}},
	}}
	for _, spec := range cfg.TopicConfig("events").Stages {
		s, err := spec.New(stages.Settings{Topic: "events"})
		require.NoError(t, err)
		require.NoError(t, s.Process(t.Context(), b))
	}
	require.Len(t, b.Records, 1)
	assert.True(t, b.Filtered.Contains(0))
	// HMAC-SHA256 of "a@b" with key "k", as openssl dgst -sha256 -hmac k
	// computes it.
	assert.Equal(t, `{"level":"info","source":"web","user":{"email":"2307c9d8a720b996aee3b10119d6e349fc29c231016c75073ca7ce4ebbca7161"}}`, string(b.Records[0].Value))

	again, err := parseWith([]byte(cfg.String()), env(nil))
	require.NoError(t, err, cfg.String())
	assert.Equal(t, cfg.Defaults.Stages[0].Options.Value(), again.Defaults.Stages[0].Options.Value())
}

// TestStagesConfigErrors: problems in stages come with their YAML path and
// line, under defaults and overrides.
func TestStagesConfigErrors(t *testing.T) {
	_, err := parseWith(withValid(`defaults:
  stages:
    - filter:
        keep_if: 'level =='
    - transform:
        sett: {a: '1'}
    - fliter: {keep_if: 'true'}
overrides:
  - topic: logs
    settings:
      stages:
        - filter: {keep_if: 'size(level)'}
        - transform:
            set: {a: 'nope(1)'}
            redact: {b: {method: hash}}
`), env(nil))
	require.Error(t, err)
	assert.Equal(t, []string{
		"line 6: defaults.stages[0].filter.keep_if: column 9: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}",
		"line 8: defaults.stages[1].transform.sett: unknown field (known: drop, on_error, redact, rename, set)",
		`line 9: defaults.stages[2]: unknown stage "fliter" (registered: [filter transform])`,
		"line 14: overrides[0].settings.stages[0].filter.keep_if: the expression must be a boolean, got int",
		"line 16: overrides[0].settings.stages[1].transform.set.a: column 5: undeclared reference to 'nope' (in container '')",
		`line 17: overrides[0].settings.stages[1].transform.redact.b.key: required for hash (a secret, e.g. "${REDACT_KEY}")`,
	}, messages(err))
}

// TestFullStagesExample: the commented stages example in full.yaml is a
// valid defaults section.
func TestFullStagesExample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "full.yaml"))
	require.NoError(t, err)
	var block []string
	for _, line := range strings.Split(string(data), "\n") {
		if line == "  # stages:" || (len(block) > 0 && strings.HasPrefix(line, "  #   ")) {
			block = append(block, "  "+strings.TrimPrefix(line, "  # "))
		} else if len(block) > 0 {
			break
		}
	}
	require.Greater(t, len(block), 10, "full.yaml documents stages")
	cfg, err := parseWith(withValid("defaults:\n"+strings.Join(block, "\n")), env(map[string]string{"REDACT_KEY": "k"}))
	require.NoError(t, err)
	var names []string
	for _, s := range cfg.Defaults.Stages {
		names = append(names, s.Name)
	}
	assert.Equal(t, []string{"filter", "transform"}, names)
}

// TestDeclaredFieldsAgainstColumns: a declared field named like one of the
// typed files' envelope columns is a configuration error, not a topic whose
// every record is dead-lettered.
func TestDeclaredFieldsAgainstColumns(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Kafka.Brokers, cfg.Kafka.Topics = []string{"localhost:9092"}, []string{"events"}
	cfg.Destination.URL = "file:///tmp/x"
	cfg.Buffer.Dir = t.TempDir()
	require.NoError(t, yaml.Unmarshal([]byte(`{fields: [{name: id, type: int64}, {name: Key, type: string}]}`), &cfg.Defaults.Schema))
	cfg.Defaults.Format.Columns.Key = "key"
	err := cfg.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `defaults.schema.fields[1].name: value field "Key" has the name of the envelope's key column`)
	cfg.Defaults.Format.Columns.Key = "_key"
	require.NoError(t, cfg.Validate())
}

// TestDeadLetterTopicNotArchived: a Kafka dead-letter topic that the
// configuration archives is refused.
func TestDeadLetterTopicNotArchived(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Kafka.Brokers, cfg.Kafka.TopicRegex = []string{"localhost:9092"}, "orders.*"
	cfg.Destination.URL = "file:///tmp/x"
	cfg.Buffer.Dir = t.TempDir()
	cfg.Defaults.DeadLetter.Destination, cfg.Defaults.DeadLetter.Topic = "kafka", "orders-dlq"
	err := cfg.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `defaults.dead_letter.topic: "orders-dlq" is archived by this configuration`)
	cfg.Defaults.DeadLetter.Topic = "dlq-orders"
	require.NoError(t, cfg.Validate())
}
