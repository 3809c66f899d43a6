package stages

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/plugin"
)

// Stage processes batches of one topic's records between the partition
// stage and the buffer. A topic's configuration lists its stages by name
// (topics' "stages:"), each with its own options; they run in that order.
//
// Process changes b in place: it may change, add or remove fields of
// records (model.Record's SetField and DeleteField), change their value
// bytes, headers or output path, and remove records with b.Keep, which
// records their offsets as filtered so that the round accounts for them. It
// must not reorder records, add records, or change their topic, partition
// or offset.
//
// A stage must be deterministic: given the same records (and the same
// options) it must make the same changes. Exactly-once rests on it: a round
// cut short by a crash is written again from the same Kafka records by
// whoever owns the partition next, and must come out byte for byte the same.
// So no wall clock, random numbers, or lookups in data that changes.
//
// Process is called for one batch at a time per Kafka partition, in offset
// order, and concurrently for different partitions: a stage that keeps state
// guards it. It may keep nothing of the batch after it returns (values may
// alias the consumer's buffers). An error stops sluice: the batch's records
// are not committed and are read again on the next start, so a stage
// returns one only for what retrying cannot fix being reported at once is
// better than going on (bad options show at validation, not here).
type Stage interface {
	Process(ctx context.Context, b *model.Batch) error
}

// Func adapts a function to a Stage.
type Func func(ctx context.Context, b *model.Batch) error

// Process calls f.
func (f Func) Process(ctx context.Context, b *model.Batch) error { return f(ctx, b) }

// Settings is what the pipeline gives a stage it builds.
type Settings struct {
	// Logger is sluice's log, with the stage and the topic attached.
	Logger *slog.Logger
	// Topic is the Kafka topic the stage serves (a topic's stages are built
	// for it alone).
	Topic string
}

// Factory makes a stage of one kind from its options.
type Factory = plugin.Factory[Stage, Settings]

// NewFactory returns the Factory of the stage named name whose options have
// type O: defaults returns them with their defaults (nil for O's zero value),
// build makes a stage. When *O has a Validate() error method it is called
// on the decoded options, and its problems are reported with their path and
// line like sluice's own.
func NewFactory[O any](name string, defaults func() O, build func(opts O, set Settings) (Stage, error)) Factory {
	return plugin.NewFactory(name, defaults, build)
}

var registry = plugin.NewRegistry[Stage, Settings]("stage")

// Register makes a stage available by its name to every topic's "stages:"
// list. Call it before loading a configuration (from an init function or
// main). It fails for a name already taken, built-ins included.
func Register(f Factory) error { return registry.Register(f) }

// MustRegister is Register for init functions; it panics on error.
func MustRegister(f Factory) { registry.MustRegister(f) }

// Lookup returns the factory of the stage named name.
func Lookup(name string) (Factory, error) { return registry.Lookup(name) }

// Names returns the names of every stage there is, sorted.
func Names() []string { return registry.Names() }

// Spec is one entry of a topic's stages list: a stage's name and its
// options. In YAML it is a mapping with one key, the name:
//
//	stages:
//	  - filter:
//	      keep_if: 'level != "debug"'
//	  - redact_pii: {fields: [email]}
type Spec struct {
	// Name is the name the stage was registered under.
	Name string
	// Options are the stage's options (conf.OptionsOf when set in Go).
	Options conf.Options
}

// UnmarshalYAML reads a one-key mapping.
func (s *Spec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Value != "" {
		// "- name" with no options.
		s.Name, s.Options = n.Value, conf.Options{}
		return nil
	}
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return errors.New("want a stage name with its options (e.g. \"- filter: {keep_if: ...}\")")
	}
	s.Name = n.Content[0].Value
	return s.Options.UnmarshalYAML(n.Content[1])
}

// MarshalYAML writes the one-key mapping.
func (s Spec) MarshalYAML() (any, error) {
	opts, err := s.Options.MarshalYAML()
	if err != nil {
		return nil, err
	}
	return map[string]any{s.Name: opts}, nil
}

// Decode looks the stage up and decodes and validates its options. Its
// problems are FieldErrors under path (e.g. "defaults.stages[1]"), with
// lines when the options came from YAML.
func (s *Spec) Decode(path string) error {
	f, err := registry.Lookup(s.Name)
	if err != nil {
		return &conf.FieldError{Path: path, Err: err}
	}
	return s.Options.Decode(conf.Join(path, s.Name), f.NewOptions())
}

// New builds the stage; Decode must have succeeded.
func (s *Spec) New(set Settings) (Stage, error) {
	f, err := registry.Lookup(s.Name)
	if err != nil {
		return nil, err
	}
	st, err := f.New(s.Options.Value(), set)
	if err != nil {
		return nil, fmt.Errorf("building stage %q: %w", s.Name, err)
	}
	return st, nil
}
