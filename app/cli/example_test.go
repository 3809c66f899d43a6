package cli_test

import (
	"context"
	"errors"
	"strings"

	"github.com/sluicehq/sluice/app/cli"
	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages"
)

// maskOptions are the options of the "mask" stage, written under its name
// in a topic's stages list:
//
//	defaults:
//	  stages:
//	    - mask: {field: user.email}
type maskOptions struct {
	// Field is the field whose value is masked.
	Field string `yaml:"field"`
}

// Validate reports the problems of the options; "sluice validate" shows
// them with their path and line ("defaults.stages[0].mask.field").
func (o *maskOptions) Validate() error {
	if o.Field == "" {
		return &conf.FieldError{Path: "field", Err: errors.New("required")}
	}
	return nil
}

// newMask builds the stage: it replaces a string field of every JSON
// record by as many '*'. It is deterministic, as every stage must be.
func newMask(o maskOptions, _ stages.Settings) (stages.Stage, error) {
	return stages.Func(func(_ context.Context, b *model.Batch) error {
		for i := range b.Records {
			rec := &b.Records[i]
			if v, ok := rec.Field(o.Field); ok {
				if s, ok := v.(string); ok {
					_ = rec.SetField(o.Field, strings.Repeat("*", len(s)))
				}
			}
		}
		return nil
	}), nil
}

// ExampleMain is the main function of a program that extends sluice: it
// registers its stage (and, the same way, parsers, partitioners, formats
// and store schemes), then hands over to cli.Main, which keeps every
// sluice command (run, validate, verify, lag, demo) and knows the new
// stage by name.
func ExampleMain() {
	stages.MustRegister(stages.NewFactory("mask", nil, newMask))
	cli.Main()
}
