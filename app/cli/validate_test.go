package cli_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/pipeline"
)

// invalidConfig has four problems, one of them with a known line.
const invalidConfig = `kafka:
  brokers: [localhost]
  topics: [events]
  group: ""
destination:
  url: ftp://example.com/x
defaults:
  format:
    type: parket
log:
  level: verbose
`

func TestValidate(t *testing.T) {
	minimal := "../../pipeline/testdata/minimal.yaml"
	invalid := writeFile(t, "invalid.yaml", invalidConfig)
	unknownKey := writeFile(t, "unknown.yaml", "kafka:\n  brokers: [a:1]\n  topics: [t]\n  bokers: [b:1]\ndestination:\n  url: file:///x\n")
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     []string
		stderr     []string
		notStdout  []string
		stderrOnly bool // stdout must be empty
	}{
		{name: "valid", args: []string{"validate", "-c", minimal}, code: 0, stdout: []string{minimal + ": ok\n"}},
		{name: "print", args: []string{"validate", "-c", minimal, "--print"}, code: 0,
			stdout: []string{"brokers:\n        - localhost:9092", "type: parquet", "memory: 64 MiB", "shutdown_timeout: 1m0s"},
			stderr: []string{minimal + ": ok"}, notStdout: []string{": ok"}},
		{name: "every problem", args: []string{"validate", "-c", invalid}, code: 2, stderrOnly: true, stderr: []string{
			invalid + `:2: kafka.brokers[0]: "localhost" is not host:port`,
			invalid + `:4: kafka.group: required`,
			invalid + `:6: destination.url: unsupported scheme in "ftp://example.com/x" (want file://, s3://)`,
			invalid + `:9: defaults.format.type: unknown format "parket" (want parquet, jsonl, avro)`,
			invalid + `:11: log.level: unknown level "verbose" (want debug, info, warn, error)`,
		}},
		{name: "unknown key with its line", args: []string{"validate", "-c", unknownKey}, code: 2, stderrOnly: true,
			stderr: []string{unknownKey + ":4: kafka.bokers: "}},
		{name: "missing file", args: []string{"validate", "-c", "does-not-exist.yaml"}, code: 2, stderrOnly: true,
			stderr: []string{"does-not-exist.yaml: reading configuration: "}},
		{name: "no config flag", args: []string{"validate"}, code: 2, stderrOnly: true,
			stderr: []string{`required flag(s) "config" not set`}},
		{name: "run with an invalid config", args: []string{"run", "-c", invalid}, code: 2, stderrOnly: true,
			stderr: []string{invalid + `:4: kafka.group: required`, invalid + `:11: log.level: unknown level`}},
		{name: "bad log level flag", args: []string{"run", "-c", minimal, "--log-level", "loud"}, code: 2, stderrOnly: true,
			stderr: []string{`--log-level: unknown level "loud"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sluice(t, 30*time.Second, tt.args...)
			require.Equal(t, tt.code, r.code, "stderr:\n%s", r.stderr)
			for _, s := range tt.stdout {
				assert.Contains(t, r.stdout, s)
			}
			for _, s := range tt.notStdout {
				assert.NotContains(t, r.stdout, s)
			}
			for _, s := range tt.stderr {
				assert.Contains(t, r.stderr, s)
			}
			if tt.stderrOnly {
				assert.Empty(t, r.stdout)
			}
		})
	}
}

// TestValidateReportsEveryProblemOnItsOwnLine checks validate prints exactly
// the problems pipeline.Load finds, one a line, each prefixed with the file
// and the line the field is written on.
func TestValidateReportsEveryProblemOnItsOwnLine(t *testing.T) {
	invalid := writeFile(t, "invalid.yaml", invalidConfig)
	_, err := pipeline.Load(invalid)
	problems := pipeline.FieldErrors(err)
	require.GreaterOrEqual(t, len(problems), 3)

	r := sluice(t, 30*time.Second, "validate", "-c", invalid)
	require.Equal(t, 2, r.code)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	require.Len(t, lines, len(problems), "stderr:\n%s", r.stderr)
	for i, fe := range problems {
		assert.Equal(t, fmt.Sprintf("%s:%d: %s: %v", invalid, fe.Line, fe.Path, fe.Err), lines[i])
		assert.Positive(t, fe.Line, "every problem of the file is located: %s", fe)
	}
}

// TestValidatePrintRedactsAndRoundTrips checks --print shows no secret and
// prints a configuration that parses back to the same one.
func TestValidatePrintRedactsAndRoundTrips(t *testing.T) {
	path := writeFile(t, "secret.yaml", `kafka:
  brokers: [kafka:9092]
  topics: [events]
destination:
  url: s3://my-archive/kafka
  s3:
    access_key_id: AKIAEXAMPLE
    secret_access_key: hunter2-very-secret
`)
	r := sluice(t, 30*time.Second, "validate", "-c", path, "--print")
	require.Equal(t, 0, r.code, r.stderr)
	require.NotContains(t, r.stdout, "hunter2")
	require.Contains(t, r.stdout, "[REDACTED]")

	want, err := pipeline.Load(path)
	require.NoError(t, err)
	got, err := pipeline.Parse([]byte(r.stdout))
	require.NoError(t, err)
	require.Equal(t, want.Redacted(), got)
}
