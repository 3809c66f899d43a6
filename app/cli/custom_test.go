package cli_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/app/demo"
	"github.com/sluicehq/sluice/app/lag"
	"github.com/sluicehq/sluice/app/verify"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/transport/objstore"
)

// TestCustomBinary builds testdata/custom, a program that registers a
// store scheme ("memfile") and a parser ("mskv", beside the built-in "kv") and calls cli.Main, and
// proves that the registered store serves run, verify and lag, that the
// registered parser chooses the partitions, and that its options are
// checked by validate with path and line. The stock binary refuses the
// same configuration.
func TestCustomBinary(t *testing.T) {
	custom := filepath.Join(t.TempDir(), "custom")
	args := []string{"build", "-o", custom}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "./testdata/custom")...)
	out, err := build.CombinedOutput()
	require.NoError(t, err, "building testdata/custom:\n%s", out)

	const topic, parts = "kvlog", 2
	kc := kafkatest.Start(t, parts, topic)
	event := time.Date(2026, 11, 22, 1, 30, 0, 0, time.UTC)
	var recs []kafkatest.Record
	for i := range 200 {
		recs = append(recs, kafkatest.Record{Partition: int32(i % parts),
			Value: fmt.Appendf(nil, "n=%d ts=%d level=info", i, event.Add(time.Duration(i)*20*time.Second).UnixMilli())})
	}
	kc.Produce(t, topic, recs...)
	end := kc.EndOffsets(t, topic)

	dir := t.TempDir()
	cfgText := func(parser string) string {
		return fmt.Sprintf(`kafka:
  brokers: [%s]
  topics: [%s]
  group: sluice-custom-test
  session_timeout: 10s
destination:
  url: mem%s
buffer:
  dir: %s
defaults:
  parser: %s
  policy: {max_records: 50, idle: 300ms}
shutdown_timeout: 30s
`, kc.Brokers()[0], topic, demo.FileURL(dir), filepath.Join(t.TempDir(), "buffer"), parser)
	}
	file := writeFile(t, "custom.yaml", cfgText(`{type: mskv, options: {separator: "=", time_field: ts}}`))

	// The stock binary knows neither the scheme nor the parser.
	r := sluice(t, 60*time.Second, "validate", "-c", file)
	require.Equal(t, 2, r.code, "stderr:\n%s", r.stderr)
	assert.Contains(t, r.stderr, `destination.url: unsupported scheme in "memfile://`)
	assert.Contains(t, r.stderr, `defaults.parser.type: unknown parser "mskv" (want avro, json, json_schema, kv, logfmt, protobuf, raw, regex)`)

	run := func(code int, args ...string) result {
		t.Helper()
		r := startProgram(t, custom, args...).wait(t, 60*time.Second)
		require.Equal(t, code, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
		return r
	}
	run(0, "validate", "-c", file)
	bad := writeFile(t, "bad.yaml", cfgText(`{type: mskv, options: {separator: "=>"}}`))
	r = run(2, "validate", "-c", bad)
	assert.Contains(t, r.stderr, `:11: defaults.parser.options.separator: want one character, got "=>"`)

	// run writes through the registered store; the registered parser puts
	// the records under their event time's hour, not the Kafka timestamp's.
	p := startProgram(t, custom, "run", "-c", file)
	st, err := objstore.Open(t.Context(), demo.FileURL(dir), objstore.S3Config{}, objstore.Settings{})
	require.NoError(t, err)
	archivetest.WaitDurable(t, st, topic, end, 60*time.Second)
	p.stopGracefully(t)
	var hours []string
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && strings.HasPrefix(d.Name(), "hr=") {
			rel, _ := filepath.Rel(dir, path)
			hours = append(hours, filepath.ToSlash(rel))
		}
		return err
	}))
	assert.Equal(t, []string{topic + "/dt=2026-11-22/hr=01", topic + "/dt=2026-11-22/hr=02"}, hours)

	// verify and lag read the archive through the registered store.
	r = run(0, "verify", "-c", file, "--json")
	var rep verify.Report
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), r.stdout)
	require.True(t, rep.OK, r.stdout)
	assert.Equal(t, int64(200), rep.Records)
	r = run(0, "lag", "-c", file, "--once", "--json")
	var snap lag.Snapshot
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &snap), r.stdout)
	require.Len(t, snap.Partitions, parts)
	for _, lp := range snap.Partitions {
		require.NotNil(t, lp.Durable, "partition %d", lp.Partition)
		assert.Equal(t, end[lp.Partition], *lp.Durable, "partition %d", lp.Partition)
	}

	// An object deleted behind the store's back (not the first, which
	// retention could explain) is a gap: verify read the archive through
	// the store.
	var victim string
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && victim == "" && strings.HasPrefix(d.Name(), topic+"+1+") &&
			!strings.HasPrefix(d.Name(), topic+"+1+00000000000000000000.") {
			victim = path
		}
		return err
	}))
	require.NotEmpty(t, victim)
	require.NoError(t, os.Remove(victim))
	run(1, "verify", "-c", file, "--json", "--no-broker")
}
