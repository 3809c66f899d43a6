package avsc_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/hamba/avro/v2/ocf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/testing/avsc"
)

// TestRead reads a file hamba/avro wrote, with every codec.
func TestRead(t *testing.T) {
	type row struct {
		N int64   `avro:"n"`
		S *string `avro:"s"`
		B []byte  `avro:"b"`
	}
	schema := `{"type":"record","name":"R","fields":[{"name":"n","type":"long"},` +
		`{"name":"s","type":["null","string"]},{"name":"b","type":"bytes"}]}`
	text := "x"
	for _, codec := range []ocf.CodecName{ocf.Null, ocf.Deflate, ocf.Snappy, ocf.ZStandard} {
		t.Run(string(codec), func(t *testing.T) {
			var buf bytes.Buffer
			enc, err := ocf.NewEncoder(schema, &buf, ocf.WithCodec(codec),
				ocf.WithMetadataKeyVal("k", []byte("v")))
			require.NoError(t, err)
			require.NoError(t, enc.Encode(row{N: 9007199254740993, S: &text, B: []byte{0, 255}}))
			require.NoError(t, enc.Encode(row{N: -1}))
			require.NoError(t, enc.Close())
			path := filepath.Join(t.TempDir(), "f.avro")
			require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))

			f := avsc.Read(t, path)
			assert.Equal(t, string(codec), f.Codec)
			assert.Equal(t, map[string]string{"k": "v"}, f.Meta)
			assert.JSONEq(t, schema, string(f.Schema))
			assert.Equal(t, []map[string]any{
				{"n": "9007199254740993", "s": "x", "b": map[string]any{"$bytes": "AP8="}},
				{"n": "-1", "s": nil, "b": map[string]any{"$bytes": ""}},
			}, f.Records)
		})
	}
}

// TestReadCorrupt wants an error, not records, for a damaged file.
func TestReadCorrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.avro")
	require.NoError(t, os.WriteFile(path, []byte("Obj\x01garbage"), 0o600))
	_, err := avsc.ReadErr(t, path)
	require.Error(t, err)
}
