package parse_test

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/plugin"
	"github.com/sluicehq/sluice/stages/parse"
)

// kvOptions are the options of the pairs parser: "options:" in the parser
// section.
type kvOptions struct {
	// Separator is between a key and its value. Default "=".
	Separator string `yaml:"separator"`
	// TimeField is the key of the event time, RFC 3339. Default "ts".
	TimeField string `yaml:"time_field"`
}

// Validate reports every problem of the options, with their paths.
func (o *kvOptions) Validate() error {
	var errs conf.Errors
	if len(o.Separator) != 1 || o.Separator == " " {
		errs.Addf("separator", "want one character other than a space, got %q", o.Separator)
	}
	if o.TimeField == "" {
		errs.Addf("time_field", "required")
	}
	return errs.Err()
}

// newKV builds a parser of "key=value key=value" lines: it decodes the
// value into fields, for the stages after it, and reads the event time.
func newKV(o kvOptions, _ parse.Settings) (parse.Parser, error) {
	return parse.Func(func(rec *model.Record) (time.Time, error) {
		fields := map[string]any{}
		for pair := range strings.FieldsSeq(string(rec.Value)) {
			k, v, ok := strings.Cut(pair, o.Separator)
			if !ok {
				return time.Time{}, fmt.Errorf("%w: %q is not key%svalue", parse.ErrMalformed, pair, o.Separator)
			}
			fields[k] = v
		}
		rec.SetFields(fields)
		ts, ok := fields[o.TimeField].(string)
		if !ok {
			return time.Time{}, parse.ErrMissing
		}
		t, err := time.Parse(time.RFC3339, ts)
		if err != nil {
			return time.Time{}, fmt.Errorf("%w: %w", parse.ErrUnparsable, err)
		}
		return t, nil
	}), nil
}

// ExampleRegister adds a parser of key=value lines with options of its own,
// chosen in a topic's configuration by "type: pairs" ("kv" is built in).
func ExampleRegister() {
	err := parse.Register(parse.NewFactory("pairs",
		func() kvOptions { return kvOptions{Separator: "=", TimeField: "ts"} }, newKV))
	if err != nil {
		fmt.Println(err)
		return
	}

	// What a configuration's "parser:" section holds.
	var cfg parse.Config
	if err := yaml.Unmarshal([]byte(`{type: pairs, options: {separator: ":", time_field: at}}`), &cfg); err != nil {
		fmt.Println(err)
		return
	}
	stage, err := parse.New(cfg, parse.Settings{})
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := &model.Record{Value: []byte("at:2026-11-22T01:02:03+01:00 level:warn")}
	stage.Parse(rec)
	level, _ := rec.Field("level")
	fmt.Println(rec.EventTime, level)
	if err := rec.Sync(); err == nil {
		fmt.Println(string(rec.Value))
	}

	// Mistakes in the options are reported like sluice's own, with paths
	// (and lines, when the configuration is loaded from a file).
	for _, section := range []string{
		`{type: pairs, options: {separator: ""}}`,
		`{type: pairs, options: {colour: red}}`,
	} {
		cfg := parse.DefaultConfig()
		_ = yaml.Unmarshal([]byte(section), &cfg)
		for _, fe := range conf.List(cfg.Validate()) {
			fmt.Println(fe.Path+":", fe.Err)
		}
	}
	fmt.Println(errors.Is(parse.Register(parse.NewFactory("pairs", nil, newKV)), plugin.ErrDuplicate))
	// Output:
	// 2026-11-22 00:02:03 +0000 UTC warn
	// {"at":"2026-11-22T01:02:03+01:00","level":"warn"}
	// options.separator: want one character other than a space, got ""
	// options.colour: unknown field (known: separator, time_field)
	// true
}
