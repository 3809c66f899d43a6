package format

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sluicehq/sluice/conf"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		cfg  Config
		want []string
	}{
		{DefaultConfig(), nil},
		{Config{Type: "parquet", Compression: "snappy"}, nil},
		{Config{Type: "parquet", Compression: "none"}, nil},
		{Config{Type: "jsonl"}, nil},
		{Config{Type: "jsonl", Compression: "gzip"}, nil},
		{Config{Type: "parquet", Compression: "lz5"},
			[]string{`compression: unknown compression "lz5" for parquet (want zstd, snappy, gzip, none)`}},
		{Config{Type: "jsonl", Compression: "snappy"},
			[]string{`compression: unknown compression "snappy" for jsonl (want zstd, gzip, none)`}},
		{Config{Type: "parket", Compression: "zstd"}, []string{`type: unknown format "parket" (want parquet, jsonl, avro)`}},
		{Config{}, []string{`type: unknown format "" (want parquet, jsonl, avro)`}},
		{Config{Type: "parquet", Level: "fastest"}, nil},
		{Config{Type: "jsonl", Compression: "gzip", Level: "best"}, nil},
		{Config{Type: "parquet", Compression: "snappy", Level: "default"},
			[]string{"level: compression snappy has no levels (levels apply to zstd, gzip and deflate)"}},
		{Config{Type: "jsonl", Compression: "none", Level: "best"},
			[]string{"level: compression none has no levels (levels apply to zstd, gzip and deflate)"}},
		{Config{Type: "avro"}, nil},
		{Config{Type: "avro", Compression: "zstd", Level: "better"}, nil},
		{Config{Type: "avro", Level: "best"}, nil},
		{Config{Type: "avro", Compression: "gzip"},
			[]string{`compression: unknown compression "gzip" for avro (want deflate, zstd, snappy, none)`}},
		{Config{Type: "avro", Compression: "snappy", Level: "best"},
			[]string{"level: compression snappy has no levels (levels apply to zstd, gzip and deflate)"}},
		{Config{Type: "parquet", Level: "9"},
			[]string{`level: unknown level "9" (want fastest, default, better, best)`}},
	}
	for _, tt := range tests {
		got := conf.Messages(tt.cfg.Validate())
		assert.Equal(t, tt.want, got, "%+v", tt.cfg)
	}
}

func TestEffectiveCompression(t *testing.T) {
	assert.Equal(t, "zstd", DefaultConfig().EffectiveCompression())
	assert.Equal(t, "zstd", Config{Type: "jsonl"}.EffectiveCompression())
	assert.Equal(t, "gzip", Config{Type: "jsonl", Compression: "gzip"}.EffectiveCompression())
	assert.Equal(t, "deflate", Config{Type: "avro"}.EffectiveCompression())
	assert.Equal(t, ".avro", Extension(Config{Type: "avro", Compression: "zstd"}))
}
