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
	// Type is "parquet" (default), "jsonl", or a format a program
	// registered (Register).
	Type string `yaml:"type"`
	// Options are the options of a registered format, decoded and
	// validated by its Factory. The built-ins take compression and level.
	Options conf.Options `yaml:"options,omitempty"`
	// Compression is, for parquet, "zstd" (default), "snappy", "gzip" or
	// "none"; for jsonl, "zstd", "gzip" or "none". Empty (the default) means
	// the format's default, which is "zstd" for both.
	Compression string `yaml:"compression"`
	// Level trades CPU for size with zstd and gzip: "fastest", "default",
	// "better" or "best". Empty (the default) means "default" (zstd level 3,
	// gzip level 5). snappy and none have no levels.
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
// klauspost/compress implements them (1, 3, 7, 11), gzip's 1 to 9 (default 5).
var levels = map[string]map[string]int{
	CompressionZstd: {LevelFastest: 1, LevelDefault: 0, LevelBetter: 7, LevelBest: 11},
	CompressionGzip: {LevelFastest: 1, LevelDefault: 0, LevelBetter: 7, LevelBest: 9},
}

// levelNames lists the level names in order, for messages.
var levelNames = []string{LevelFastest, LevelDefault, LevelBetter, LevelBest}

// formatCompressions lists, per format type, the compressions it accepts.
var formatCompressions = map[string][]string{
	TypeParquet: {CompressionZstd, CompressionSnappy, CompressionGzip, CompressionNone},
	TypeJSONL:   {CompressionZstd, CompressionGzip, CompressionNone},
}

// DefaultConfig returns the format used where the file sets none: Parquet
// with the format's default compression. Compression stays empty, meaning
// "the format's default" (zstd for both formats, see EffectiveCompression),
// so that an override that only changes the type never inherits a codec
// chosen for another format.
func DefaultConfig() Config {
	return Config{Type: TypeParquet, Columns: DefaultColumns()}
}

// EffectiveCompression is the compression in force: Compression, or when it
// is empty the format's default, zstd.
func (c Config) EffectiveCompression() string {
	if c.Compression == "" {
		return CompressionZstd
	}
	return c.Compression
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
		return fmt.Errorf("compression %s has no levels (levels apply to zstd and gzip)", compression)
	}
	if _, ok := byName[level]; !ok {
		return fmt.Errorf("unknown level %q (want %s)", level, strings.Join(levelNames, ", "))
	}
	return nil
}
