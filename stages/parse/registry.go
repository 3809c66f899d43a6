package parse

import (
	"fmt"
	"time"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/plugin"
)

// Factory makes a parser of one kind from its options.
type Factory = plugin.Factory[Parser, Settings]

// NewFactory returns the Factory of the parser named name whose options
// have type O: defaults returns them with their defaults (nil for O's zero
// value), build makes a parser; it is called once per topic when the
// pipeline is built, never per record. When *O has a Validate() error
// method it is called on the decoded options, and its problems are
// reported with their path and line ("defaults.parser.options.separator")
// like sluice's own.
func NewFactory[O any](name string, defaults func() O, build func(opts O, set Settings) (Parser, error)) Factory {
	return plugin.NewFactory(name, defaults, build)
}

var registry = plugin.NewRegistry[Parser, Settings]("parser")

func init() {
	MustRegister(NewFactory(TypeRaw, nil, func(struct{}, Settings) (Parser, error) { return rawParser{}, nil }))
	MustRegister(NewFactory(TypeJSON, nil, func(c TimeConfig, _ Settings) (Parser, error) { return newJSON(c) }))
	MustRegister(NewFactory(TypeRegex, nil, newRegex))
	MustRegister(NewFactory(TypeKV, DefaultKVOptions, newKV))
	MustRegister(NewFactory(TypeLogfmt, nil, newLogfmt))
}

// Register makes a parser available by its name, the value of the parser
// section's "type" that selects it; its options are the section's
// "options". Call it before loading a configuration (from an init function
// or main). It fails for a name already taken, built-ins ("raw", "json",
// "regex", "kv", "logfmt") included, with an error wrapping plugin.ErrDuplicate.
func Register(f Factory) error { return registry.Register(f) }

// MustRegister is Register for init functions; it panics on error.
func MustRegister(f Factory) { registry.MustRegister(f) }

// Lookup returns the factory of the parser named name, or an error
// wrapping plugin.ErrUnknown that lists the names there are.
func Lookup(name string) (Factory, error) { return registry.Lookup(name) }

// Names returns the names of every parser, built in and registered,
// sorted: the values Config.Type accepts.
func Names() []string { return registry.Names() }

// Func adapts a function to a Parser.
type Func func(rec *model.Record) (time.Time, error)

// EventTime calls f.
func (f Func) EventTime(rec *model.Record) (time.Time, error) { return f(rec) }

// rawParser takes the Kafka timestamp as the event time. The stage
// recognises it and skips the call.
type rawParser struct{}

func (rawParser) EventTime(rec *model.Record) (time.Time, error) { return rec.Timestamp, nil }

// builtin reports whether the options of the parser named typ are keys of
// the parser section itself (json's "json:"), not its "options".
func builtin(typ string) bool { return typ == TypeRaw || typ == TypeJSON }

// options returns the parser's options, decoded and validated: for the
// built-ins, the section's own keys; for the others, "options" decoded onto
// the factory's defaults. Problems are FieldErrors relative to the parser
// section.
func (c Config) options(f Factory) (any, error) {
	switch {
	case builtin(c.Type) && !c.Options.IsZero():
		return nil, &conf.FieldError{Path: "options",
			Err: fmt.Errorf("the %s parser has no options (the json parser's are under json:)", c.Type)}
	case c.Type == TypeJSON:
		return c.jsonTime(), nil
	case builtin(c.Type):
		return nil, nil
	}
	opts := c.Options // a copy: decoding sets the copy's value
	if err := opts.Decode("options", f.NewOptions()); err != nil {
		return nil, err
	}
	return opts.Value(), nil
}

// build looks the parser up and builds it.
func build(c Config, set Settings) (Parser, error) {
	typ := c.Type
	if typ == "" {
		typ = TypeRaw
		c.Type = TypeRaw
	}
	f, err := registry.Lookup(typ)
	if err != nil {
		return nil, fmt.Errorf("building parser: %w: %w", ErrUnknownType, err)
	}
	opts, err := c.options(f)
	if err != nil {
		return nil, fmt.Errorf("building parser %q: %w: %w", typ, ErrInvalidConfig, err)
	}
	p, err := f.New(opts, set)
	if err != nil {
		return nil, fmt.Errorf("building parser %q: %w", typ, err)
	}
	if p == nil {
		return nil, fmt.Errorf("building parser %q: %w: factory returned no parser", typ, ErrInvalidConfig)
	}
	return p, nil
}
