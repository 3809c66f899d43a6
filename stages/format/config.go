package format

import (
	"slices"
	"strings"

	"github.com/sluicehq/sluice/internal/conf"
)

// Config chooses the output file format of a topic.
type Config struct {
	// Type is "parquet" (default) or "jsonl".
	Type string `yaml:"type"`
	// Compression is, for parquet, "zstd" (default), "snappy", "gzip" or
	// "none"; for jsonl, "zstd", "gzip" or "none". Empty (the default) means
	// the format's default, which is "zstd" for both.
	Compression string `yaml:"compression"`
}

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
	return Config{Type: TypeParquet}
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
	codecs, ok := formatCompressions[c.Type]
	switch {
	case !ok:
		errs.Addf("type", "unknown format %q (want %s, %s)", c.Type, TypeParquet, TypeJSONL)
	case c.Compression != "" && !slices.Contains(codecs, c.Compression):
		errs.Addf("compression", "unknown compression %q for %s (want %s)", c.Compression, c.Type, strings.Join(codecs, ", "))
	}
	return errs.Err()
}
