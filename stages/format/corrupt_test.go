package format_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/stages/format"
)

func TestEncodeCorruptSpill(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	dir := t.TempDir()
	good, err := os.ReadFile(writeSpill(t, dir, genRecords(300, 5, 50), 100, mem))
	require.NoError(t, err)
	mem.AssertSize(t, 0)

	flip := func(at int) []byte {
		b := bytes.Clone(good)
		b[at] ^= 0x5a
		return b
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"only magic", good[:4]},
		{"truncated in the schema", good[:40]},
		{"truncated mid stream", good[:len(good)/2]},
		{"missing end of stream", good[:len(good)-8]},
		{"truncated by one byte", good[:len(good)-1]},
		{"garbage", bytes.Repeat([]byte{0xff, 0x00, 0x13}, 1000)},
		{"flipped in the schema", flip(20)},
		{"flipped in the first batch header", flip(400)},
		{"flipped near the end", flip(len(good) - 100)},
		{"other schema", otherSchemaStream(t)},
	}
	for _, tt := range tests {
		for _, cfg := range allConfigs {
			t.Run(tt.name+"/"+cfgName(cfg), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "spill")
				require.NoError(t, os.WriteFile(path, tt.data, 0o600))
				var out bytes.Buffer
				res, err := format.Encode(t.Context(), path, &out, cfg, memory.NewGoAllocator())
				if err == nil {
					// A flipped byte inside a value is not detectable by the
					// IPC format; the file must still decode to some rows.
					require.Contains(t, tt.name, "flipped", "corruption went unnoticed")
					require.Positive(t, res.Rows)
					t.Logf("undetected: %d rows encoded", res.Rows)
					return
				}
				require.ErrorIs(t, err, format.ErrCorruptSpill)
			})
		}
	}
}

// otherSchemaStream is a closed IPC stream of another schema.
func otherSchemaStream(t *testing.T) []byte {
	var buf bytes.Buffer
	sc := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	w := ipc.NewWriter(&buf, ipc.WithSchema(sc))
	require.NoError(t, w.Close())
	return buf.Bytes()
}
