package format

// Config chooses the output file format of a topic.
type Config struct {
	// Type is "parquet" (default) or "jsonl".
	Type string `yaml:"type"`
	// Compression is, for parquet, "zstd" (default), "snappy", "gzip" or
	// "none"; for jsonl, "zstd", "gzip" or "none" (default for jsonl: "zstd").
	Compression string `yaml:"compression"`
}
