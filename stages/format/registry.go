package format

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/plugin"
)

// Format writes the output files of a topic: one file per round, holding
// the round's records. Built-in formats are "parquet", "jsonl" and "avro"; a
// program adds its own with Register and chooses it with
// "format: {type: <name>, options: {...}}".
//
// A format is built from its options for the rounds it encodes (today
// Encode builds it per round, so building should be cheap) and may encode
// several rounds at once: it is safe for concurrent use.
type Format interface {
	// Extension is the file name extension of the files Encode writes,
	// with its dot (".parquet", ".jsonl.zst", ".csv"): letters, digits,
	// '.', '_' and '-'. It must not change.
	Extension() string
	// Encode writes the file of one round to w: the records in, in offset
	// order, and returns how many it wrote. It reads in to its end (a nil
	// batch), then checks in.Err. It blocks until the file is written or
	// ctx is done, does not close w, and on error leaves w holding a
	// partial file the caller discards.
	//
	// The bytes written must be a pure function of the records and the
	// options: independent of how the records are cut into batches, of
	// time, host, memory pressure and map order. Exactly-once rests on it:
	// two processes that encode the same round must write byte-identical
	// objects. It must not panic on any record.
	Encode(ctx context.Context, in Batches, w io.Writer) (rows int64, err error)
}

// Batches are a file's records in offset order, as Arrow record batches
// of one schema: the envelope schema (Schema: one row per Kafka record, its
// topic, partition, offset, timestamp, key, headers and value) for records
// archived as bytes, or a typed file's (see Layout: the value's fields,
// then the envelope columns the topic keeps, named in the schema's
// metadata, MetaOffsetColumn and the others). Batch boundaries are
// arbitrary.
type Batches interface {
	// Schema is the schema of every batch.
	Schema() *arrow.Schema
	// Next returns the next batch, or nil at the end or on error. The batch
	// belongs to Batches and is valid until the next call (Retain it to
	// keep it longer).
	Next() arrow.RecordBatch
	// Err is the error that ended the batches early, wrapping
	// ErrCorruptSpill for a spill that cannot be read; nil at a clean end.
	Err() error
}

// Settings is what the program hands the formats it builds.
type Settings struct {
	// Alloc allocates Arrow memory; nil means the Go allocator.
	Alloc memory.Allocator
	// Logger is sluice's log; nil discards.
	Logger *slog.Logger
}

// Factory makes a format of one kind from its options.
type Factory = plugin.Factory[Format, Settings]

// NewFactory returns the Factory of the format named name whose options
// have type O: defaults returns them with their defaults (nil for O's zero
// value), build makes the format. When *O has a Validate() error method it
// is called on the decoded options, and its problems are reported with
// their path and line ("defaults.format.options.delimiter") like sluice's
// own.
func NewFactory[O any](name string, defaults func() O, build func(opts O, set Settings) (Format, error)) Factory {
	return plugin.NewFactory(name, defaults, build)
}

var registry = plugin.NewRegistry[Format, Settings]("format")

func init() {
	for _, typ := range builtins {
		MustRegister(NewFactory(typ, func() Config { return Config{Type: typ} }, newBuiltin))
	}
}

// Register makes a format available by its name, the value of the format
// section's "type" that selects it; its options are the section's
// "options". Call it before loading a configuration (from an init function
// or main). It fails for a name already taken ("parquet", "jsonl" and "avro" are
// built in), with an error wrapping plugin.ErrDuplicate.
func Register(f Factory) error { return registry.Register(f) }

// MustRegister is Register for init functions; it panics on error.
func MustRegister(f Factory) { registry.MustRegister(f) }

// Lookup returns the factory of the format named name, or an error
// wrapping plugin.ErrUnknown that lists the names there are.
func Lookup(name string) (Factory, error) { return registry.Lookup(name) }

// Names returns the names of every format: the built-ins (parquet, jsonl, avro),
// then those registered, sorted.
func Names() []string {
	names := slices.Clone(builtins)
	for _, n := range registry.Names() {
		if !builtin(n) {
			names = append(names, n)
		}
	}
	return names
}

// builtins are the formats sluice has, in the order Names lists them.
var builtins = []string{TypeParquet, TypeJSONL, TypeAvro}

// builtin reports whether typ takes its settings in the format section
// itself (compression, level), not under "options".
func builtin(typ string) bool { return slices.Contains(builtins, typ) }

// typ is the format's name; empty means parquet.
func (c Config) typ() string {
	if c.Type == "" {
		return TypeParquet
	}
	return c.Type
}

// options returns the format's options, decoded and validated: for the
// built-ins, the section itself; for the others, "options" decoded onto
// the factory's defaults. Problems are FieldErrors relative to the format
// section.
func (c Config) options(f Factory) (any, error) {
	if builtin(c.typ()) {
		if !c.Options.IsZero() {
			return nil, &conf.FieldError{Path: "options", Err: fmt.Errorf(
				"the %s format has no options (its keys are compression and level)", c.typ())}
		}
		c.Type = c.typ()
		return c, nil
	}
	var errs conf.Errors
	if c.Compression != "" {
		errs.Addf("compression", "applies to the built-in formats; the %s format takes its settings under options", c.Type)
	}
	if c.Level != "" {
		errs.Addf("level", "applies to the built-in formats; the %s format takes its settings under options", c.Type)
	}
	opts := c.Options // a copy: decoding sets the copy's value
	errs.Nest("", opts.Decode("options", f.NewOptions()))
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return opts.Value(), nil
}

// validExtension is what Format.Extension may return.
var validExtension = regexp.MustCompile(`^\.[A-Za-z0-9_-][A-Za-z0-9._-]*$`)

// New builds the format cfg chooses, built in or registered, with its
// options. It fails with an error wrapping ErrUnsupported for an unknown
// type, options that do not decode or validate, or a format whose
// Extension is not a file name extension.
func New(cfg Config, set Settings) (Format, error) {
	if set.Alloc == nil {
		set.Alloc = memory.DefaultAllocator
	}
	if set.Logger == nil {
		set.Logger = slog.New(slog.DiscardHandler)
	}
	typ := cfg.typ()
	f, err := registry.Lookup(typ)
	if err != nil {
		return nil, fmt.Errorf("building format: %w: %w", ErrUnsupported, err)
	}
	opts, err := cfg.options(f)
	if err != nil {
		return nil, fmt.Errorf("building format %q: %w: %w", typ, ErrUnsupported, err)
	}
	fm, err := f.New(opts, set)
	if err != nil {
		return nil, fmt.Errorf("building format %q: %w", typ, err)
	}
	if fm == nil {
		return nil, fmt.Errorf("building format %q: %w: factory returned no format", typ, ErrUnsupported)
	}
	if ext := fm.Extension(); !validExtension.MatchString(ext) || slices.Contains([]string{".", ".."}, ext) {
		return nil, fmt.Errorf("building format %q: %w: extension %q is not a file name extension", typ, ErrUnsupported, ext)
	}
	return fm, nil
}

// builtinFormat is parquet, jsonl or avro, resolved.
type builtinFormat struct {
	r     resolved
	alloc memory.Allocator
}

// newBuiltin builds a built-in format from its section.
func newBuiltin(c Config, set Settings) (Format, error) {
	r, err := resolve(c)
	if err != nil {
		return nil, err
	}
	return &builtinFormat{r: r, alloc: set.Alloc}, nil
}

// Extension implements Format.
func (b *builtinFormat) Extension() string {
	switch b.r.typ {
	case TypeParquet:
		return ".parquet"
	case TypeAvro:
		return ".avro" // the codec is named in the file's header
	}
	switch b.r.compression {
	case CompressionGzip:
		return ".jsonl.gz"
	case CompressionZstd:
		return ".jsonl.zst"
	}
	return ".jsonl"
}

// Encode implements Format.
func (b *builtinFormat) Encode(ctx context.Context, in Batches, w io.Writer) (int64, error) {
	switch b.r.typ {
	case TypeParquet:
		return encodeParquet(ctx, in, w, b.r, b.alloc)
	case TypeAvro:
		return encodeAvro(ctx, in, w, b.r)
	}
	return encodeJSONL(ctx, in, w, b.r)
}
