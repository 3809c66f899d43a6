package format

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/conf"
)

// Config chooses the output file format of a topic.
//
//	format: {type: jsonl, compression: gzip}
//	format: {type: csv, options: {delimiter: ";"}}   # a registered format
type Config struct {
	// Type is "parquet" (default), "jsonl", "avro" (Avro object container
	// files), or a format a program registered (Register).
	Type string `yaml:"type"`
	// Options are the options of a registered format, decoded and
	// validated by its Factory. The built-ins take compression and level.
	Options conf.Options `yaml:"options,omitempty"`
	// Compression is, for parquet, "zstd" (default), "snappy", "gzip" or
	// "none"; for jsonl, "zstd" (default), "gzip" or "none"; for avro,
	// "deflate" (default: the one codec every Avro reader must read),
	// "zstd", "snappy" or "none" (Avro's "null" codec). Empty (the default)
	// means the format's default.
	Compression string `yaml:"compression"`
	// Level trades CPU for size with zstd, gzip and deflate: "fastest",
	// "default", "better" or "best". Empty (the default) means "default"
	// (zstd level 3, gzip level 5, deflate level 6). snappy and none have no
	// levels.
	Level string `yaml:"level"`
	// Columns names the envelope columns of typed files (and types the
	// value column). Default DefaultColumns.
	Columns Columns `yaml:"columns"`
	// Infer, set by the pipeline for a topic with "schema: infer", makes
	// the built-in formats write typed columns inferred from each file's
	// JSON values (see Infer) instead of the envelope's value bytes.
	Infer bool `yaml:"-"`
}

// Compression levels as written in Config.
const (
	LevelFastest = "fastest"
	LevelDefault = "default"
	LevelBetter  = "better"
	LevelBest    = "best"
)

// levels maps, per codec that has levels, each level name to the codec's
// numeric level, 0 standing for the codec's default: zstd's levels as
// klauspost/compress implements them (1, 3, 7, 11), gzip's and deflate's 1 to
// 9 (defaults 5 and 6).
var levels = map[string]map[string]int{
	CompressionZstd:    {LevelFastest: 1, LevelDefault: 0, LevelBetter: 7, LevelBest: 11},
	CompressionGzip:    {LevelFastest: 1, LevelDefault: 0, LevelBetter: 7, LevelBest: 9},
	CompressionDeflate: {LevelFastest: 1, LevelDefault: 0, LevelBetter: 7, LevelBest: 9},
}

// levelNames lists the level names in order, for messages.
var levelNames = []string{LevelFastest, LevelDefault, LevelBetter, LevelBest}

// formatCompressions lists, per built-in format type, the compressions it
// accepts, its default first.
var formatCompressions = map[string][]string{
	TypeParquet: {CompressionZstd, CompressionSnappy, CompressionGzip, CompressionNone},
	TypeJSONL:   {CompressionZstd, CompressionGzip, CompressionNone},
	TypeAvro:    {CompressionDeflate, CompressionZstd, CompressionSnappy, CompressionNone},
}

// DefaultConfig returns the format used where the file sets none: Parquet
// with the format's default compression. Compression stays empty, meaning
// "the format's default" (see EffectiveCompression),
// so that an override that only changes the type never inherits a codec
// chosen for another format.
func DefaultConfig() Config {
	return Config{Type: TypeParquet, Columns: DefaultColumns()}
}

// EffectiveCompression is the compression in force: Compression, or when it
// is empty the format's default: zstd for parquet and jsonl, deflate for
// avro (the one codec besides null that the Avro spec requires every reader
// to read; zstd is faster and smaller, but avsc, older Java and Athena's
// Avro reader need more to read it).
func (c Config) EffectiveCompression() string {
	if c.Compression != "" {
		return c.Compression
	}
	if codecs, ok := formatCompressions[c.typ()]; ok {
		return codecs[0]
	}
	return CompressionZstd
}

// Validate reports every problem of the configuration, each a
// *conf.FieldError naming its YAML path relative to the format ("type",
// "compression"). An empty Compression is valid (the format's default). It
// only checks; it never fills in defaults.
func (c Config) Validate() error {
	var errs conf.Errors
	f, err := Lookup(c.Type)
	if err != nil {
		errs.Addf("type", "unknown format %q (want %s)", c.Type, strings.Join(Names(), ", "))
		return errs.Err()
	}
	_, err = c.options(f)
	errs.Nest("", err)
	if c.Columns != (Columns{}) {
		errs.Nest("columns", c.Columns.Validate())
	}
	codecs, ok := formatCompressions[c.Type]
	switch {
	case !ok:
		return errs.Err() // a registered format: no codecs of ours
	case c.Compression != "" && !slices.Contains(codecs, c.Compression):
		errs.Addf("compression", "unknown compression %q for %s (want %s)", c.Compression, c.Type, strings.Join(codecs, ", "))
	}
	if err := checkLevel(c.EffectiveCompression(), c.Level); err != nil {
		errs.Add("level", err)
	}
	return errs.Err()
}

// checkLevel says what is wrong with level for compression, if anything.
func checkLevel(compression, level string) error {
	if level == "" {
		return nil
	}
	byName, ok := levels[compression]
	if !ok {
		return fmt.Errorf("compression %s has no levels (levels apply to zstd, gzip and deflate)", compression)
	}
	if _, ok := byName[level]; !ok {
		return fmt.Errorf("unknown level %q (want %s)", level, strings.Join(levelNames, ", "))
	}
	return nil
}
