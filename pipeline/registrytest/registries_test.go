package registrytest_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/pipeline"
	"github.com/sluicehq/sluice/stages/format"
	"github.com/sluicehq/sluice/stages/parse"
	"github.com/sluicehq/sluice/stages/partition"
	"github.com/sluicehq/sluice/transport/objstore/objstoretest"
)

// sepOptions are the options of the components this file registers.
type sepOptions struct {
	Separator string `yaml:"separator"`
}

func (o *sepOptions) Validate() error {
	if len(o.Separator) != 1 {
		return &conf.FieldError{Path: "separator", Err: fmt.Errorf("want one character, got %q", o.Separator)}
	}
	return nil
}

// The components registered once for this package's tests.
func init() {
	parse.MustRegister(parse.NewFactory("kvtest", func() sepOptions { return sepOptions{Separator: "="} },
		func(sepOptions, parse.Settings) (parse.Parser, error) {
			return parse.Func(func(*model.Record) (time.Time, error) { return time.Time{}, parse.ErrMissing }), nil
		}))
	partition.MustRegister(partition.NewFactory("keytest", func() sepOptions { return sepOptions{Separator: "="} },
		func(o sepOptions, set partition.Settings) (partition.Partitioner, error) {
			return partition.Func(func(rec *model.Record) string { return set.Topic + "/key" + o.Separator + string(rec.Key) }), nil
		}))
	format.MustRegister(format.NewFactory("sepfmt", func() sepOptions { return sepOptions{Separator: ","} },
		func(sepOptions, format.Settings) (format.Format, error) { return nil, errors.New("never built here") }))
	if _, err := objstoretest.FileAlias("memfile"); err != nil {
		panic(err)
	}
}

func TestRegisteredComponentsInConfig(t *testing.T) {
	cfg, err := pipeline.Parse(withValid(`
defaults:
  parser: {type: kvtest, options: {separator: ":"}}
  partitioner: {type: keytest}
  format: {type: sepfmt, options: {separator: ";"}}
overrides:
  - topic: events
    settings:
      parser: {type: json, json: {time_field: ts}}
      format: {type: jsonl}
`))
	require.NoError(t, err)
	assert.Equal(t, "kvtest", cfg.Defaults.Parser.Type)
	o := cfg.Overrides[0].Settings
	assert.True(t, o.Parser.Options.IsZero(), "an override that changes the type drops the inherited options")
	assert.True(t, o.Format.Options.IsZero())
	assert.Equal(t, "keytest", o.Partitioner.Type, "what the override leaves out is inherited")

	ps, err := parse.New(cfg.Defaults.Parser, parse.Settings{})
	require.NoError(t, err)
	rec := &model.Record{Timestamp: time.Unix(5, 0)}
	ps.Parse(rec)
	assert.True(t, rec.EventTimeFallback, "the registered parser ran")
	pt, err := partition.New(cfg.Defaults.Partitioner, partition.Settings{Topic: "events"})
	require.NoError(t, err)
	assert.Equal(t, "events/key=k1", pt.Dir(&model.Record{Key: []byte("k1")}))
}

func TestRegisteredComponentsReportPathAndLine(t *testing.T) {
	_, err := pipeline.Parse(withValid(`
defaults:
  parser: {type: kvtest, options: {separator: "=="}}
  partitioner:
    type: keytest
    options: {seperator: "/"}
  format: {type: sepfmt, compression: gzip}
overrides:
  - topic: events
    settings:
      parser: {type: kvtset}
`))
	require.Error(t, err)
	var got []string
	for _, fe := range pipeline.FieldErrors(err) {
		got = append(got, fmt.Sprintf("%d %s: %v", fe.Line, fe.Path, fe.Err))
	}
	base := lines(string(withValid(""))) + 1 // the YAML below starts with a newline
	assert.Equal(t, []string{
		fmt.Sprintf(`%d defaults.parser.options.separator: want one character, got "=="`, base+2),
		fmt.Sprintf(`%d defaults.partitioner.options.seperator: unknown field (known: separator)`, base+5),
		fmt.Sprintf(`%d defaults.format.compression: applies to the built-in formats; the sepfmt format takes its settings under options`, base+6),
		fmt.Sprintf(`%d overrides[0].settings.parser.type: unknown parser "kvtset" (want avro, json, json_schema, kv, kvtest, logfmt, protobuf, raw, regex)`, base+10),
	}, got)
}

func TestRegisteredSchemeInDestination(t *testing.T) {
	cfg := pipeline.DefaultConfig()
	cfg.Destination.URL = "memfile:///data/archive"
	assert.NoError(t, cfg.Destination.Validate())
	cfg.Destination.URL = "memfile://host/archive"
	assert.Equal(t, []string{`url: "memfile://host/archive": want memfile:///absolute/path`},
		conf.Messages(cfg.Destination.Validate()))
	cfg.Destination.URL = "gs://bucket"
	assert.Equal(t, []string{`url: unsupported scheme in "gs://bucket" (want file://, memfile://, s3://)`},
		conf.Messages(cfg.Destination.Validate()))
}

// valid is the start of every test's file; the test's YAML follows.
const valid = `kafka: {brokers: ["k:9092"], topics: [events, logs]}
destination: {url: "memfile:///data/archive"}
`

func withValid(y string) []byte { return []byte(valid + y) }

// lines counts the lines of s.
func lines(s string) int {
	n := 0
	for _, c := range s {
		if c == '\n' {
			n++
		}
	}
	return n
}
