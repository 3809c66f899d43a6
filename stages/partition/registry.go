package partition

import (
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/plugin"
)

// TypeTime is the built-in partitioner: directories from the event time
// through a template (Config's granularity, template and timezone).
const TypeTime = "time"

// Partitioner chooses the output partition of a record: the directory of
// its file, relative to the destination prefix ("events/region=eu"), with
// no leading or trailing slash and no empty, "." or ".." segments (the
// store refuses such keys and the upload fails).
//
// Dir is called once per record, after the parser set rec.EventTime,
// concurrently for different Kafka partitions: a partitioner is safe for
// concurrent use. It must not change the record or keep it beyond the
// call, must never panic, and must be deterministic: the same record gives
// the same directory (no wall clock, no random numbers), or a round written
// again after a crash lands elsewhere and exactly-once breaks. Records of
// one round that get different directories are written to different files.
type Partitioner interface {
	Dir(rec *model.Record) string
}

// Func adapts a function to a Partitioner.
type Func func(rec *model.Record) string

// Dir calls f.
func (f Func) Dir(rec *model.Record) string { return f(rec) }

// Factory makes a partitioner of one kind from its options.
type Factory = plugin.Factory[Partitioner, Settings]

// NewFactory returns the Factory of the partitioner named name whose
// options have type O: defaults returns them with their defaults (nil for
// O's zero value), build makes a partitioner, once per topic. When *O has a
// Validate() error method it is called on the decoded options, and its
// problems are reported with their path and line
// ("defaults.partitioner.options.field") like sluice's own.
func NewFactory[O any](name string, defaults func() O, build func(opts O, set Settings) (Partitioner, error)) Factory {
	return plugin.NewFactory(name, defaults, build)
}

var registry = plugin.NewRegistry[Partitioner, Settings]("partitioner")

func init() {
	MustRegister(NewFactory(TypeTime, DefaultConfig, func(c Config, set Settings) (Partitioner, error) {
		return newTime(c, set)
	}))
	MustRegister(NewFactory(TypeOffset, nil, newOffset))
}

// Register makes a partitioner available by its name, the value of the
// partitioner section's "type" that selects it; its options are the
// section's "options". Call it before loading a configuration (from an init
// function or main). It fails for a name already taken ("time" is built
// in, and so is "offset"), with an error wrapping plugin.ErrDuplicate.
func Register(f Factory) error { return registry.Register(f) }

// MustRegister is Register for init functions; it panics on error.
func MustRegister(f Factory) { registry.MustRegister(f) }

// Lookup returns the factory of the partitioner named name, or an error
// wrapping plugin.ErrUnknown that lists the names there are.
func Lookup(name string) (Factory, error) { return registry.Lookup(name) }

// Names returns the names of every partitioner, sorted.
func Names() []string { return registry.Names() }

// typ is the partitioner's name; empty means the built-in.
func (c Config) typ() string {
	if c.Type == "" {
		return TypeTime
	}
	return c.Type
}

// options returns the partitioner's options, decoded and validated: for
// the built-in, the section itself; for the others, "options" decoded onto
// the factory's defaults. Problems are FieldErrors relative to the
// partitioner section.
func (c Config) options(f Factory) (any, error) {
	if c.typ() == TypeTime {
		if !c.Options.IsZero() {
			return nil, &conf.FieldError{Path: "options", Err: errTimeOptions}
		}
		return c, nil
	}
	opts := c.Options // a copy: decoding sets the copy's value
	if err := opts.Decode("options", f.NewOptions()); err != nil {
		return nil, err
	}
	return opts.Value(), nil
}

// errTimeOptions is the problem of options given to the built-in.
var errTimeOptions = errors.New("the time partitioner has no options (its keys are granularity, template and timezone)")

// build looks the partitioner up and builds it.
func build(c Config, set Settings) (Partitioner, error) {
	f, err := registry.Lookup(c.typ())
	if err != nil {
		return nil, fmt.Errorf("building partitioner: %w: %w", ErrInvalidConfig, err)
	}
	opts, err := c.options(f)
	if err != nil {
		return nil, fmt.Errorf("building partitioner %q: %w: %w", c.typ(), ErrInvalidConfig, err)
	}
	p, err := f.New(opts, set)
	if err != nil {
		return nil, fmt.Errorf("building partitioner %q: %w", c.typ(), err)
	}
	if p == nil {
		return nil, fmt.Errorf("building partitioner %q: %w: factory returned no partitioner", c.typ(), ErrInvalidConfig)
	}
	return p, nil
}
