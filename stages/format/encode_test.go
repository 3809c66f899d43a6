package format_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/format"
)

func TestEncodeRoundTrip(t *testing.T) {
	inputs := []struct {
		name string
		recs []model.Record
	}{
		{"edge cases", edgeRecords()},
		{"generated", genRecords(5000, 1, 64)},
		{"empty", nil},
	}
	for _, in := range inputs {
		for _, cfg := range allConfigs {
			t.Run(in.name+"/"+cfgName(cfg), func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				path := writeSpill(t, t.TempDir(), in.recs, 3, mem)

				var buf bytes.Buffer
				res, err := format.Encode(t.Context(), path, &buf, cfg, mem)
				require.NoError(t, err)
				assert.Equal(t, int64(len(in.recs)), res.Rows)
				assert.Equal(t, int64(buf.Len()), res.Bytes)

				got := readBack(t, buf.Bytes(), cfg)
				want := stored(in.recs)
				require.Len(t, got, len(want))
				for i := range want {
					require.Equal(t, want[i], got[i], "record %d", i)
				}
			})
		}
	}
}

func TestEncodeDefaults(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	path := writeSpill(t, t.TempDir(), edgeRecords(), 0, mem)

	empty := encodeFile(t, path, format.Config{}, mem)
	explicit := encodeFile(t, path, format.Config{Type: format.TypeParquet, Compression: format.CompressionZstd}, mem)
	assert.Equal(t, explicit, empty, "empty config is parquet with zstd")
	jsonDefault := encodeFile(t, path, format.Config{Type: format.TypeJSONL}, mem)
	jsonZstd := encodeFile(t, path, format.Config{Type: format.TypeJSONL, Compression: format.CompressionZstd}, mem)
	assert.Equal(t, jsonZstd, jsonDefault, "jsonl defaults to zstd")
}

// Levels change what zstd and gzip write, never what reads back; "default"
// writes what an empty level writes.
func TestEncodeLevels(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	recs := genRecords(5000, 1, 256)
	path := writeSpill(t, t.TempDir(), recs, 500, mem)
	for _, base := range []format.Config{
		{Type: format.TypeParquet, Compression: format.CompressionZstd},
		{Type: format.TypeParquet, Compression: format.CompressionGzip},
		{Type: format.TypeJSONL, Compression: format.CompressionZstd},
		{Type: format.TypeJSONL, Compression: format.CompressionGzip},
	} {
		t.Run(cfgName(base), func(t *testing.T) {
			sizes := map[string]int{}
			for _, level := range []string{"", format.LevelFastest, format.LevelDefault, format.LevelBest} {
				cfg := base
				cfg.Level = level
				data := encodeFile(t, path, cfg, mem)
				require.Equal(t, stored(recs), readBack(t, data, cfg), "level %q", level)
				sizes[level] = len(data)
				if level == format.LevelDefault {
					assert.Equal(t, encodeFile(t, path, base, mem), data, "default is the empty level")
				}
			}
			assert.Less(t, sizes[format.LevelBest], sizes[format.LevelFastest], "best compresses more than fastest")
		})
	}
}

func TestEncodeRejectsConfig(t *testing.T) {
	tests := []format.Config{
		{Type: "parket"},
		{Type: format.TypeJSONL, Compression: format.CompressionSnappy},
		{Type: format.TypeParquet, Compression: "brotli"},
		{Type: format.TypeJSONL, Compression: "lz4"},
		{Type: format.TypeParquet, Compression: format.CompressionSnappy, Level: format.LevelBest},
		{Type: format.TypeJSONL, Level: "max"},
	}
	path := filepath.Join(t.TempDir(), "unused")
	for _, cfg := range tests {
		t.Run(cfgName(cfg), func(t *testing.T) {
			var buf bytes.Buffer
			_, err := format.Encode(t.Context(), path, &buf, cfg, memory.NewGoAllocator())
			require.ErrorIs(t, err, format.ErrUnsupported)
			assert.Zero(t, buf.Len())
			assert.Empty(t, format.Extension(cfg))
		})
	}
}

func TestExtension(t *testing.T) {
	tests := []struct {
		cfg  format.Config
		want string
	}{
		{format.Config{}, ".parquet"},
		{format.Config{Type: format.TypeParquet, Compression: format.CompressionSnappy}, ".parquet"},
		{format.Config{Type: format.TypeParquet, Compression: format.CompressionNone}, ".parquet"},
		{format.Config{Type: format.TypeJSONL}, ".jsonl.zst"},
		{format.Config{Type: format.TypeJSONL, Compression: format.CompressionZstd}, ".jsonl.zst"},
		{format.Config{Type: format.TypeJSONL, Compression: format.CompressionGzip}, ".jsonl.gz"},
		{format.Config{Type: format.TypeJSONL, Compression: format.CompressionNone}, ".jsonl"},
	}
	for _, tt := range tests {
		t.Run(cfgName(tt.cfg), func(t *testing.T) {
			assert.Equal(t, tt.want, format.Extension(tt.cfg))
		})
	}
}

func TestEncodeCanceled(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	path := writeSpill(t, t.TempDir(), genRecords(100, 2, 16), 10, mem)
	for _, cfg := range allConfigs {
		t.Run(cfgName(cfg), func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			_, err := format.Encode(ctx, path, &bytes.Buffer{}, cfg, mem)
			require.ErrorIs(t, err, context.Canceled)
		})
	}
}

func TestJSONLinesShape(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	recs := edgeRecords()[:5]
	path := writeSpill(t, t.TempDir(), recs, 0, mem)
	got := encodeFile(t, path, format.Config{Type: format.TypeJSONL, Compression: format.CompressionNone}, mem)
	want := `{"topic":"events","partition":3,"offset":100,"timestamp":"2026-09-21T14:13:20.123Z","key":"k","headers":[],"value":{"a":1,"b":[true,null]}}
{"topic":"events","partition":3,"offset":101,"timestamp":"2026-09-21T14:13:20.123Z","key":null,"headers":[],"value":null}
{"topic":"events","partition":3,"offset":102,"timestamp":"2026-09-21T14:13:20.123Z","key":"","headers":[],"value_text":""}
{"topic":"events","partition":3,"offset":103,"timestamp":"2026-09-21T14:13:20.123Z","key_base64":"/wD+","headers":[],"value_base64":"gIEA"}
{"topic":"events","partition":3,"offset":104,"timestamp":"2026-09-21T14:13:20.123Z","key":null,"headers":[],"value_text":"null"}
`
	assert.Equal(t, want, string(got))
}

func TestEncodeMissingSpill(t *testing.T) {
	_, err := format.Encode(t.Context(), filepath.Join(t.TempDir(), "nope"), &bytes.Buffer{}, format.Config{}, memory.NewGoAllocator())
	require.ErrorIs(t, err, os.ErrNotExist)
}
