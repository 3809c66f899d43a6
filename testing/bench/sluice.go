package main

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/transport/objstore"
)

// Timeouts of a sluice run.
const (
	durableTimeout = 30 * time.Minute
	stopTimeout    = 2 * time.Minute
)

// sluiceRun is one sluice configuration to measure.
type sluiceRun struct {
	Name, Key string
	// Format is "parquet" or "jsonl" (always zstd).
	Format string
	// Dest is "file" or "s3".
	Dest     string
	MaxBytes int64
	// MaxRecords seals rounds by count; 0 means the records of one
	// partition, so that each partition's last round is sealed the moment
	// its last record arrives instead of Idle later.
	MaxRecords   int64
	MaxOpenFiles int
	// MaxEventSpan must cover the event times of a round; 0 means 10m.
	MaxEventSpan time.Duration
	Idle         time.Duration
	// Traced sends traces (at the default ratio) to the OTLP sink.
	Traced bool
	// Stages is the defaults' stages list, as YAML list items indented
	// for it (empty: none).
	Stages string
	// Schema is the defaults' schema section, indented for it (empty:
	// none, values archived as bytes).
	Schema string
	// Parser replaces the defaults' parser section (the json parser of
	// the events' ts), indented for it.
	Parser string
	// Registry is the Schema Registry's URL (empty: none).
	Registry string
	// Profile writes <ProfileName>.cpu.pprof and <ProfileName>.heap.pprof
	// to this directory; ProfileName is Key if empty.
	Profile     string
	ProfileName string
	Params      map[string]string
}

// config is the YAML sluice runs with.
var config = template.Must(template.New("sluice.yaml").Parse(`kafka:
  brokers: ["{{.Broker}}"]
{{- if .Regex}}
  topic_regex: "{{.Regex}}"
{{- else}}
  topics: ["{{.Topic}}"]
{{- end}}
  group: "{{.Group}}"
{{- with .ClientID}}
  client_id: "{{.}}"
{{- end}}
  session_timeout: {{with .Session}}{{.}}{{else}}10s{{end}}
destination:
  url: "{{.URL}}"
{{- if .S3}}
  s3:
    endpoint: "{{.S3}}"
    region: us-east-1
    path_style: true
    access_key_id: "{{.User}}"
    secret_access_key: "{{.Secret}}"
{{- end}}
buffer:
  dir: "{{.BufferDir}}"
  max_open_files: {{.MaxOpenFiles}}
defaults:
  parser:
{{- if .Parser}}
{{.Parser}}
{{- else}}
    type: json
    json:
      time_field: ts
      time_format: unix_ms
{{- end}}
  format:
    type: {{.Format}}
    compression: zstd
  policy:
    max_bytes: {{.MaxBytes}}
    max_records: {{.MaxRecords}}
    max_event_span: {{.Span}}
    idle: {{.Idle}}
{{- if .Stages}}
  stages:
{{.Stages}}
{{- end}}
{{- if .Schema}}
  schema:
{{.Schema}}
{{- end}}
{{- if .Registry}}
schema_registry:
  url: "{{.Registry}}"
{{- end}}
log:
  level: warn
telemetry:
  metrics:
    exporters: [none]
{{- if .OTLP}}
  traces:
    exporter: otlp
  otlp:
    endpoint: "{{.OTLP}}"
    protocol: http/protobuf
{{- else}}
  traces:
    exporter: none
{{- end}}
`))

// runSluice runs the sluice binary on the preloaded topic until every
// partition's progress record says next == its end offset, then stops it
// with SIGTERM and measures it.
func (h *harness) runSluice(ctx context.Context, data loaded, r sluiceRun) (Result, error) {
	dir, err := os.MkdirTemp(h.work, r.Key+"-")
	if err != nil {
		return Result{}, fmt.Errorf("creating a scratch directory: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	group := fmt.Sprintf("bench-%s-%d", r.Key, time.Now().UnixNano())
	vals := map[string]any{
		"Broker": h.broker.addr, "Topic": data.Topic, "Group": group,
		"BufferDir": filepath.Join(dir, "buffer"), "Format": r.Format,
		"MaxBytes": r.MaxBytes, "MaxOpenFiles": max(r.MaxOpenFiles, 1000),
		"MaxRecords": cmp.Or(r.MaxRecords, (data.Records+int64(data.Partitions)-1)/int64(data.Partitions)),
		"Span":       durationOr(r.MaxEventSpan, 10*time.Minute).String(), "Idle": r.Idle.String(),
		"User": minioUser, "Secret": minioSecret, "S3": "", "OTLP": "", "Stages": r.Stages, "Schema": r.Schema, "Parser": r.Parser, "Registry": r.Registry,
	}
	var (
		st       objstore.Store
		s3Before map[string]int64
		out      = filepath.Join(dir, "out")
	)
	switch r.Dest {
	case "s3":
		if h.minio == nil {
			return Result{}, fmt.Errorf("%s: MinIO is not running", r.Name)
		}
		bucket := strings.ToLower(strings.ReplaceAll(group, "_", "-"))
		if err := h.minio.createBucket(ctx, bucket); err != nil {
			return Result{}, err
		}
		vals["URL"], vals["S3"] = "s3://"+bucket+"/archive", h.minio.proxy.url
		st, err = objstore.Open(ctx, "s3://"+bucket+"/archive", s3Config(h.minio.endpoint), objstore.Settings{})
	default:
		vals["URL"] = "file://" + out
		if err = os.MkdirAll(out, 0o755); err == nil {
			st, err = objstore.Open(ctx, "file://"+out, objstore.DefaultS3Config(), objstore.Settings{})
		}
	}
	if err != nil {
		return Result{}, fmt.Errorf("opening the destination: %w", err)
	}
	if r.Traced {
		vals["OTLP"] = h.otlp.url
	}
	cfgPath := filepath.Join(dir, "sluice.yaml")
	if err := writeConfig(cfgPath, vals); err != nil {
		return Result{}, err
	}
	args := []string{"run", "-c", cfgPath}
	if r.Profile != "" {
		name := cmp.Or(r.ProfileName, r.Key)
		args = append(args,
			"--cpuprofile", filepath.Join(r.Profile, name+".cpu.pprof"),
			"--memprofile", filepath.Join(r.Profile, name+".heap.pprof"))
	}
	if h.opts.execTrace {
		args = append(args, "--trace", filepath.Join(h.opts.results, cmp.Or(r.ProfileName, r.Key)+".trace"))
	}
	if h.minio != nil {
		s3Before = h.minio.proxy.snapshot()
	}
	c, err := startChild("sluice", h.bins.sluice, args, nil, nil)
	if err != nil {
		return Result{}, err
	}
	defer c.kill()
	poll := 50 * time.Millisecond
	if r.Dest == "s3" {
		poll = 250 * time.Millisecond // each poll is a GET per partition
	}
	if err := waitDurable(ctx, c, st, data, poll); err != nil {
		return Result{}, err
	}
	wall := time.Since(c.start)
	if err := c.stop(stopTimeout); err != nil {
		return Result{}, fmt.Errorf("stopping sluice: %w", err)
	}
	res := newResult(r.Name, r.Key, data, c.usage(wall))
	res.Params = r.Params
	if r.Dest == "s3" {
		after := h.minio.proxy.snapshot()
		for m := range after {
			after[m] -= s3Before[m]
		}
		res.setS3(after)
	} else {
		res.Files, res.OutputBytes = countFiles(out, "."+r.Format)
	}
	return res, nil
}

// waitDurable polls the progress records until every partition's says
// next == its end offset with nothing pending, or sluice exits.
func waitDurable(ctx context.Context, c *child, st objstore.Store, data loaded, poll time.Duration) error {
	ledger := commit.NewLedger(st, "bench")
	deadline := time.Now().Add(durableTimeout)
	for {
		behind := ""
		for p, end := range data.End {
			prog, ok, err := ledger.Load(ctx, data.Topic, p)
			if err != nil {
				return fmt.Errorf("reading the progress of partition %d: %w", p, err)
			}
			if !ok || prog.Next < end || prog.Pending != nil {
				behind = fmt.Sprintf("partition %d at %d of %d", p, prog.Next, end)
				break
			}
		}
		switch {
		case behind == "":
			return nil
		case !c.running():
			return fmt.Errorf("sluice exited with %s: %v\n%s", behind, c.exitErr(), c.out)
		case ctxDone(ctx):
			return ctx.Err()
		case time.Now().After(deadline):
			return fmt.Errorf("sluice did not finish within %s: %s\n%s", durableTimeout, behind, c.out)
		}
		time.Sleep(poll)
	}
}

// writeConfig writes the sluice configuration of vals to path.
func writeConfig(path string, vals map[string]any) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("writing the configuration: %w", err)
	}
	if err := config.Execute(f, vals); err != nil {
		_ = f.Close()
		return fmt.Errorf("writing the configuration: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing the configuration: %w", err)
	}
	return nil
}

// countFiles counts the data files (by extension) under dir and their bytes.
func countFiles(dir, ext string) (files, size int64) {
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(strings.TrimSuffix(path, ".zst"), ext) {
			if info, err := d.Info(); err == nil {
				files++
				size += info.Size()
			}
		}
		return nil
	})
	return files, size
}

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
