package filter

import (
	"errors"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/stages/internal/recordexpr"
)

// Options are the filter stage's options.
type Options struct {
	// KeepIf is a boolean CEL expression: records for which it is true are
	// kept, the others dropped. Exactly one of keep_if and drop_if.
	KeepIf string `yaml:"keep_if"`
	// DropIf is a boolean CEL expression: records for which it is true are
	// dropped. Exactly one of keep_if and drop_if.
	DropIf string `yaml:"drop_if"`
	// OnError says what happens to a record whose value is not a JSON
	// object, or for which the expression fails (or is not a bool): fail
	// (the default) stops sluice with an error naming the record, keep
	// keeps it, drop drops it (as filtered).
	OnError string `yaml:"on_error"`
}

// DefaultOptions returns the options' defaults: on_error fail.
func DefaultOptions() Options { return Options{OnError: recordexpr.Fail} }

// Validate reports every problem of the options, compiling the expression.
func (o *Options) Validate() error {
	var errs conf.Errors
	switch {
	case o.KeepIf == "" && o.DropIf == "":
		errs.Add("", errors.New("one of keep_if and drop_if is required"))
	case o.KeepIf != "" && o.DropIf != "":
		errs.Add("", errors.New("keep_if and drop_if exclude each other"))
	case o.KeepIf != "":
		_, err := recordexpr.Compile(o.KeepIf, true)
		errs.Add("keep_if", err)
	default:
		_, err := recordexpr.Compile(o.DropIf, true)
		errs.Add("drop_if", err)
	}
	errs.Add("on_error", recordexpr.CheckOnError(o.OnError))
	return errs.Err()
}
