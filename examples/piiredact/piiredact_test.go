package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/duckdb"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/testing/minio"
	"github.com/sluicehq/sluice/testing/proc"
	"github.com/sluicehq/sluice/transport/objstore"
)

// The test's key for hash, given to the program as $PII_KEY.
const testKey = "test-pii-key"

// users are the people of the produced log lines. Their names hold letters
// that are not hex digits, so no hash can contain one by chance.
var users = []string{"grace", "linus", "margaret", "ken", "barbara"}

// line is the i-th produced log line and whether it is malformed (no
// key=value pairs: the kvlog parser keeps it under "_raw" and its event time
// falls back to the Kafka timestamp).
func line(i int, ts time.Time) (string, bool) {
	u := users[i%len(users)]
	if i%50 == 49 {
		return fmt.Sprintf("panic: mail to %s@example.com failed", u), true
	}
	level := []string{"info", "warn"}[i%2]
	return fmt.Sprintf(`ts=%s level=%s user=%s email=%s@example.com ip=10.0.%d.1 n=%d msg="signed in as %s@example.com"`,
		ts.Format(time.RFC3339), level, u, u, i%len(users), i, u), false
}

// TestEndToEnd builds this program with go build, archives kv log lines
// from kfake into MinIO with the sample's parser and stage, and reads the
// Parquet files back with DuckDB: the PII is replaced by its keyed hash,
// appears nowhere in any stored byte, the other fields are intact, the
// files are partitioned by the lines' ts, and every offset is stored
// exactly once.
func TestEndToEnd(t *testing.T) {
	bin := buildProgram(t)

	t.Run("validate", func(t *testing.T) { testValidate(t, bin) })

	const topic, parts, n = "app-logs", 2, 400
	kc := kafkatest.Start(t, parts, topic)
	srv := minio.Start(t)
	srv.CreateBucket(t, "archive")

	// Event times from 01:00 to 03:13 on 2026-11-22; Kafka timestamps a
	// day later, where only the malformed lines may land.
	start := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	kafkaTime := time.Date(2026, 11, 23, 5, 0, 0, 0, time.UTC)
	produced := map[int32][]int{} // per partition, in offset order: the line numbers
	var recs []kafkatest.Record
	for i := range n {
		text, _ := line(i, start.Add(time.Duration(i)*20*time.Second))
		p := int32(i % parts)
		produced[p] = append(produced[p], i)
		recs = append(recs, kafkatest.Record{Partition: p, Value: []byte(text), Timestamp: kafkaTime})
	}
	kc.Produce(t, topic, recs...)
	end := kc.EndOffsets(t, topic)

	s3 := srv.S3Config()
	cfg := writeFile(t, "run.yaml", fmt.Sprintf(`kafka:
  brokers: [%s]
  topics: [%s]
  group: piiredact-test
  session_timeout: 10s
destination:
  url: s3://archive/logs
  s3: {endpoint: %q, region: us-east-1, path_style: true, access_key_id: %q, secret_access_key: %q}
buffer:
  dir: %s
defaults:
  parser: {type: kvlog, options: {time_field: ts}}
  stages:
    - redact_pii: {fields: [user, ip], method: hash, key: "${PII_KEY}"}
  # Uncompressed, so that the test can search the stored bytes for PII.
  format: {type: parquet, compression: none}
  policy: {max_records: 60, idle: 300ms}
shutdown_timeout: 30s
`, kc.Brokers()[0], topic, s3.Endpoint, s3.AccessKeyID, s3.SecretAccessKey, filepath.Join(t.TempDir(), "buffer")))

	p := startProgram(t, bin, "run", "-c", cfg)
	st, err := objstore.Open(t.Context(), "s3://archive/logs", s3, objstore.Settings{})
	require.NoError(t, err)
	archivetest.WaitDurable(t, st, topic, end, 90*time.Second)
	p.stop(t)

	// Every offset exactly once, read by the harness's own Parquet reader.
	rows := archivetest.ReadAll(t, st)
	archivetest.RequireExactlyOnce(t, rows, topic, end)

	// No stored byte holds PII: data files, progress records, everything.
	dir := t.TempDir()
	var objects int
	require.NoError(t, st.List(t.Context(), "", func(o objstore.Object) error {
		rc, err := st.Open(t.Context(), o.Key)
		if err != nil {
			return err
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		for _, pii := range append([]string{"example.com", "10.0."}, users...) {
			assert.False(t, bytes.Contains(data, []byte(pii)), "object %s holds %q", o.Key, pii)
		}
		objects++
		local := filepath.Join(dir, filepath.FromSlash(o.Key))
		if err := os.MkdirAll(filepath.Dir(local), 0o755); err != nil {
			return err
		}
		return os.WriteFile(local, data, 0o644)
	}))
	require.Positive(t, objects)

	// DuckDB reads the redacted values from the JSON of each stored line,
	// and the partitions from the Hive paths.
	got := duckdb.Query(t, fmt.Sprintf(`SELECT "partition"::INTEGER AS p, "offset"::INTEGER AS o, dt::VARCHAR AS dt, hr::VARCHAR AS hr,
  json_extract_string(decode(value), '$.email') AS email, json_extract_string(decode(value), '$.user') AS "user",
  json_extract_string(decode(value), '$.ip') AS ip, json_extract_string(decode(value), '$.msg') AS msg,
  json_extract_string(decode(value), '$.level') AS level, json_extract_string(decode(value), '$.n') AS n,
  json_extract_string(decode(value), '$.ts') AS ts, json_extract_string(decode(value), '$._raw') AS raw
FROM read_parquet('%s/**/*.parquet', hive_partitioning = true, hive_types_autocast = false)
ORDER BY p, o`, filepath.ToSlash(dir)))
	require.Len(t, got, n)
	hours := map[string]int{}
	for _, row := range got {
		part, off := int32(row["p"].(float64)), int(row["o"].(float64))
		require.Less(t, off, len(produced[part]), "row %v", row)
		i := produced[part][off]
		ts := start.Add(time.Duration(i) * 20 * time.Second)
		_, malformed := line(i, ts)
		u := users[i%len(users)]
		email := u + "@example.com"
		hours[fmt.Sprint(row["dt"], "/", row["hr"])]++
		if malformed {
			assert.Equal(t, "panic: mail to "+mac(testKey, email)+" failed", row["raw"], "line %d", i)
			assert.Equal(t, kafkaTime.Format("2006-01-02"), row["dt"], "line %d falls back to the Kafka timestamp", i)
			assert.Equal(t, kafkaTime.Format("15"), row["hr"], "line %d", i)
			continue
		}
		want := map[string]any{
			"email": mac(testKey, email), "user": mac(testKey, u), "ip": mac(testKey, fmt.Sprintf("10.0.%d.1", i%len(users))),
			"msg": "signed in as " + mac(testKey, email), "level": []string{"info", "warn"}[i%2], "n": fmt.Sprint(i),
			"ts": ts.Format(time.RFC3339), "raw": nil, "dt": ts.Format("2006-01-02"), "hr": ts.Format("15"),
		}
		for k, v := range want {
			assert.Equal(t, v, row[k], "line %d: %s", i, k)
		}
	}
	// A line every 20 s, 180 an hour, but the 8 malformed ones (3 in the
	// first hour, 4 in the second, 1 in the third) are at the Kafka time.
	assert.Equal(t, map[string]int{"2026-11-22/01": 177, "2026-11-22/02": 176, "2026-11-22/03": 39, "2026-11-23/05": 8}, hours)
}

// testValidate checks the sample configuration and how a mistake in the
// stage's options is reported.
func testValidate(t *testing.T, bin string) {
	env := []string{"PII_KEY=" + testKey}
	r := runProgram(t, bin, env, "validate", "-c", "sluice.yaml")
	require.Equal(t, 0, r.code, r.out)

	// The key is expanded from the environment and never printed.
	r = runProgram(t, bin, env, "validate", "--print", "-c", "sluice.yaml")
	require.Equal(t, 0, r.code, r.out)
	assert.Contains(t, r.out, "key: '[REDACTED]'")
	assert.NotContains(t, r.out, testKey)

	// The README shows the sample as it is.
	sample, err := os.ReadFile("sluice.yaml")
	require.NoError(t, err)
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	assert.Contains(t, string(readme), string(sample), "examples/README.md must show sluice.yaml as it is")

	// Problems are reported with the file, line and YAML path; a typo in a
	// key is found when the options are decoded, the others when they are
	// validated (at the line of the stage's options).
	bad := func(stage string) string {
		return writeFile(t, "bad.yaml", `kafka:
  brokers: [localhost:9092]
  topics: [app-logs]
destination:
  url: s3://my-archive/logs
defaults:
  parser: {type: kvlog, options: {time_field: ts, layout: "15:04"}}
  stages:
    - redact_pii:
`+stage)
	}
	r = runProgram(t, bin, nil, "validate", "-c", bad("        method: hash\n        fields: [user]\n"))
	require.Equal(t, 2, r.code, r.out)
	assert.Contains(t, r.out, `bad.yaml:7: defaults.parser.options.layout: "15:04" is not a Go time layout with a date`)
	assert.Contains(t, r.out, `bad.yaml:10: defaults.stages[0].redact_pii.key: required for hash`)
	r = runProgram(t, bin, nil, "validate", "-c", bad("        method: hash\n        colour: red\n"))
	require.Equal(t, 2, r.code, r.out)
	assert.Contains(t, r.out, `bad.yaml:11: defaults.stages[0].redact_pii.colour: unknown field (known: emails, fields, key, method)`)
}

// buildProgram builds this directory's program, as a user would.
func buildProgram(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "piiredact")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build:\n%s", out)
	return bin
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

// result is how a command ended: its exit code and its output (stdout and
// stderr together).
type result struct {
	code int
	out  string
}

// runProgram runs a command of the program to its end, within a minute.
func runProgram(t *testing.T, bin string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running %v: %v", args, err)
	}
	return result{code: cmd.ProcessState.ExitCode(), out: string(out)}
}

// program is the program running in the background.
type program struct {
	cmd    *exec.Cmd
	out    proc.Output
	exited chan struct{} // closed when the process has exited
	err    error         // Wait's error, set before exited closes
}

// startProgram starts a command of the program with $PII_KEY set; it is
// killed when the test ends if it still runs, and its output goes to the
// test log if the test failed.
func startProgram(t *testing.T, bin string, args ...string) *program {
	t.Helper()
	p := &program{cmd: exec.Command(bin, args...), exited: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), "PII_KEY="+testKey)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	require.NoError(t, p.cmd.Start())
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(bin), p.out.String())
		}
	})
	return p
}

// stop sends SIGTERM and wants a clean exit: sealed, uploaded, committed.
func (p *program) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-p.exited:
		require.NoError(t, p.err, "exit after SIGTERM; output:\n%s", p.out.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("no exit within 60s of SIGTERM; output:\n%s", p.out.String())
	}
}
