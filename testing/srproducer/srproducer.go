package srproducer

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/testing/proc"
)

// InstallCommand installs what Produce needs, run from the repository root.
const InstallCommand = "npm ci --prefix testing/srproducer"

// produceTimeout bounds one run of the producer, node's start-up included.
const produceTimeout = 2 * time.Minute

// Schema types of Options.Type.
const (
	Avro     = "AVRO"
	Protobuf = "PROTOBUF"
	JSON     = "JSON"
)

// ErrUnavailable is wrapped by Available's error when node or the npm
// packages are missing.
var ErrUnavailable = errors.New("the Node producer is not available")

// Reference is a schema the registered one refers to, already registered.
type Reference struct {
	// Name is the name the schema refers to it by: the Avro type name,
	// the .proto import path, the JSON Schema $ref.
	Name    string
	Subject string
	Version int
}

// Options say what to register and produce.
type Options struct {
	// Registry is the Schema Registry's URL. Required.
	Registry string
	// Brokers are the Kafka seed brokers; required with Topic.
	Brokers []string
	// Topic is where records go; empty: only register the schema.
	Topic string
	// Partition sends every record to this partition; nil lets kafkajs
	// choose.
	Partition *int32
	// Subject is the subject the schema is registered under. Required.
	Subject string
	// Type is Avro (default), Protobuf or JSON.
	Type string
	// Schema is the schema's text. Required.
	Schema string
	// References are the schemas it refers to.
	References []Reference
	// MessageName picks the Protobuf message by its name within the
	// package ("B" for demo.B, as the library takes it); default: the
	// first.
	MessageName string
	// Records are the values to produce, each marshalled to one JSON line
	// (see produce.mjs: {"$bytes": base64} for bytes, nil for a
	// tombstone); json.RawMessage passes a line as it is.
	Records []any
	// Auth is "user:password" for basic authentication.
	Auth string
}

// Result is what the producer reports.
type Result struct {
	Subject string `json:"subject"`
	// ID is the schema id the records carry.
	ID       int `json:"id"`
	Produced int `json:"produced"`
}

// dir is the directory of this source file, which holds produce.mjs.
func dir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("%w: cannot locate the testing/srproducer directory", ErrUnavailable)
	}
	return filepath.Dir(file), nil
}

// Available reports whether Produce can run, installing the npm packages
// (once, under a lock) when they are missing.
func Available() error {
	d, err := dir()
	if err != nil {
		return err
	}
	if err := proc.NPMPackages(d, "kafkajs", "@kafkajs/confluent-schema-registry", "protobufjs"); err != nil {
		return fmt.Errorf("%w: %q: %v", ErrUnavailable, InstallCommand, err)
	}
	return nil
}

// Produce registers the schema and produces the records, and returns what
// the producer reports. It fails the test when the producer fails, and
// skips it when the producer is unavailable and CI is unset.
func Produce(t testing.TB, opts Options) Result {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%v; CI is unset, skipping", err)
		}
		t.Fatal(err)
	}
	d, err := dir()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	schema := filepath.Join(tmp, "schema")
	if err := os.WriteFile(schema, []byte(opts.Schema), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{filepath.Join(d, "produce.mjs"), "--registry", opts.Registry, "--subject", opts.Subject,
		"--schema", schema}
	if opts.Type != "" {
		args = append(args, "--type", opts.Type)
	}
	for _, b := range opts.Brokers {
		args = append(args, "--broker", b)
	}
	if opts.Topic != "" {
		args = append(args, "--topic", opts.Topic)
	}
	if opts.Partition != nil {
		args = append(args, "--partition", strconv.Itoa(int(*opts.Partition)))
	}
	for _, r := range opts.References {
		args = append(args, "--reference", fmt.Sprintf("%s=%s:%d", r.Name, r.Subject, r.Version))
	}
	if opts.MessageName != "" {
		args = append(args, "--message-name", opts.MessageName)
	}
	if opts.Auth != "" {
		args = append(args, "--auth", opts.Auth)
	}
	var lines bytes.Buffer
	for i, r := range opts.Records {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		lines.Write(b)
		lines.WriteByte('\n')
	}
	ctx, cancel := context.WithTimeout(t.Context(), produceTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Stdin = &lines
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("running produce.mjs for subject %s: %v: %s", opts.Subject, err, strings.TrimSpace(stderr.String()))
	}
	var res Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("reading produce.mjs's result %q: %v", stdout.String(), err)
	}
	return res
}

// Bytes returns b as produce.mjs reads a byte array in a JSON record.
func Bytes(b []byte) map[string]string {
	return map[string]string{"$bytes": base64Encode(b)}
}

// base64Encode is standard base64, as Buffer.from(s, 'base64') reads it.
func base64Encode(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
