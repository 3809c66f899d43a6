package parse

import (
	"bytes"
	"testing"

	"github.com/sluicehq/sluice/schema"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
)

// FuzzAvroDecode feeds arbitrary bytes to the avro parser with a schema of
// every type, bare and in the Confluent framing: it must not panic, must
// reject or decode, must decode only into the Go values the schema's Arrow
// types call for, and must leave the value untouched.
func FuzzAvroDecode(f *testing.F) {
	in, _ := allValue(f)
	good := encodeAll(f, in)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(append(append([]byte{}, good...), 1))
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 1})
	f.Add(bytes.Repeat([]byte{0xff}, 64))
	in["tags"] = []any{}
	in["attrs"] = map[string]any{}
	in["either"] = map[string]any{"long": int64(-1)}
	in["opt"] = map[string]any{"com.example.Addr": map[string]any{"city": "", "zip": nil}}
	f.Add(encodeAll(f, in))
	bare := avroStage(f, AvroConfig{SchemaFile: allSchemaFile, Wire: WireBare}, Settings{})
	framed := avroStage(f, AvroConfig{SchemaFile: allSchemaFile, Wire: WireConfluent}, Settings{})
	f.Fuzz(func(t *testing.T, value []byte) {
		for _, tc := range []struct {
			st    *Stage
			value []byte
		}{{bare, value}, {framed, confluent(7, value)}} {
			orig := bytes.Clone(tc.value)
			b := &model.Batch{Records: []model.Record{{Value: tc.value}}}
			require.NoError(t, tc.st.ParseBatch(b))
			require.Equal(t, 1, len(b.Records)+len(b.Rejected))
			require.Equal(t, orig, tc.value, "the value must stay as it was")
			if len(b.Records) == 0 {
				require.Contains(t, b.Rejected[0].Reason, "decoding avro: ")
				continue
			}
			rec := &b.Records[0]
			fields, err := rec.Fields()
			require.NoError(t, err)
			require.Len(t, fields, len(rec.Schema.Fields))
			require.NoError(t, schema.Check(rec.Schema, fields), "the avro parser's schemas are Conforming")
		}
	})
}

// FuzzAvroSchema feeds arbitrary schema text to parsing and compiling, as
// a registry could serve it: an error or a schema, never a panic, and a
// compiled schema decodes without panicking either.
func FuzzAvroSchema(f *testing.F) {
	for _, seed := range []string{userV1, userV2, benchSchema, `"long"`, `["null","string"]`, `{"type":"map","values":"int"}`,
		`{"type":"record","name":"N","fields":[{"name":"n","type":["null","N"]}]}`,
		`{"type":"fixed","name":"F","size":8,"logicalType":"decimal","precision":18,"scale":2}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := parseAvroSchema(text)
		if err != nil {
			return
		}
		cs, err := compileAvro("avro:1", s)
		if err != nil {
			return
		}
		require.Equal(t, "avro:1", cs.model.ID)
		_, _ = cs.decode([]byte{0, 2, 4, 6, 8})
	})
}
