// Command custom is sluice built the way a program that extends it is
// built: it registers components of its own, then hands over to cli.Main,
// keeping every sluice command. TestCustomBinary builds and runs it.
//
// It adds a store for "memfile:///abs/path" URLs (the file store under
// another scheme, every call counted) and a parser of "key=value" lines
// whose event time is a Unix time in milliseconds.
package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/app/cli"
	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/parse"
	"github.com/sluicehq/sluice/transport/objstore/objstoretest"
)

// kvOptions are the mskv parser's options.
type kvOptions struct {
	// Separator is between a key and its value.
	Separator string `yaml:"separator"`
	// TimeField is the key of the event time, Unix milliseconds.
	TimeField string `yaml:"time_field"`
}

// Validate checks the options.
func (o *kvOptions) Validate() error {
	var errs conf.Errors
	if len(o.Separator) != 1 {
		errs.Add("separator", fmt.Errorf("want one character, got %q", o.Separator))
	}
	if o.TimeField == "" {
		errs.Add("time_field", errors.New("required"))
	}
	return errs.Err()
}

func newKV(o kvOptions, _ parse.Settings) (parse.Parser, error) {
	return parse.Func(func(rec *model.Record) (time.Time, error) {
		for pair := range strings.FieldsSeq(string(rec.Value)) {
			k, v, ok := strings.Cut(pair, o.Separator)
			if !ok || k != o.TimeField {
				continue
			}
			ms, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return time.Time{}, fmt.Errorf("%w: %w", parse.ErrUnparsable, err)
			}
			return time.UnixMilli(ms), nil
		}
		return time.Time{}, parse.ErrMissing
	}), nil
}

func main() {
	if _, err := objstoretest.FileAlias("memfile"); err != nil {
		panic(err)
	}
	parse.MustRegister(parse.NewFactory("mskv",
		func() kvOptions { return kvOptions{Separator: "=", TimeField: "ts"} }, newKV))
	cli.Main()
}
