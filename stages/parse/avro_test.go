package parse

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/schema"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/hamba/avro/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
)

const allSchemaFile = "testdata/avro/all.avsc"

// avroStage builds the stage of an avro parser with opts.
func avroStage(t testing.TB, opts AvroConfig, set Settings, timeField ...string) *Stage {
	t.Helper()
	cfg := Config{Type: TypeAvro, Options: conf.OptionsOf(&opts)}
	if len(timeField) > 0 {
		cfg.Time = TimeConfig{Source: SourceField, Field: timeField[0]}
	}
	s, err := New(cfg, set)
	require.NoError(t, err)
	return s
}

// confluent frames an Avro value in the Confluent wire format.
func confluent(id uint32, value []byte) []byte {
	out := make([]byte, 5, 5+len(value))
	binary.BigEndian.PutUint32(out[1:], id)
	return append(out, value...)
}

// allValue is a value of all.avsc as hamba encodes it, and the Go values
// the parser must decode it into.
func allValue(t testing.TB) (in, want map[string]any) {
	t.Helper()
	ts := time.Date(2025, 11, 22, 1, 2, 3, 456_000_000, time.UTC)
	tsu := time.Date(2025, 11, 22, 1, 2, 3, 456_789_000, time.UTC)
	day := time.Date(2025, 11, 22, 0, 0, 0, 0, time.UTC)
	big1, _ := new(big.Rat).SetString("-123456789012345678901234567890.12345")
	addr := map[string]any{"city": "Lyon", "zip": "69001"}
	in = map[string]any{
		"b": true, "i": int32(-7), "l": int64(1) << 40, "f": float32(1.5), "d": 2.25, "s": "héllo",
		"by": []byte{0, 1, 2}, "fx": [4]byte{9, 8, 7, 6}, "dec": big.NewRat(-12345, 100), "bigdec": big1,
		"day": day, "tms": 3*time.Second + 5*time.Millisecond, "tus": 7 * time.Microsecond,
		"ts": ts, "tsu": tsu, "lts": ts, "id": "0b5e6f1c-3a4d-4e7f-9c2b-1a2b3c4d5e6f",
		"color": "GREEN", "tags": []any{"a", "b"}, "attrs": map[string]any{"x": int64(1), "y": nil},
		"addr": addr, "opt": nil, "last": "end", "either": map[string]any{"com.example.Addr": addr}, "one": int32(3),
	}
	want = map[string]any{
		"b": true, "i": int64(-7), "l": int64(1) << 40, "f": 1.5, "d": 2.25, "s": "héllo",
		"by": []byte{0, 1, 2}, "fx": []byte{9, 8, 7, 6}, "dec": big.NewRat(-12345, 100), "bigdec": big1,
		"day": day, "tms": 3*time.Second + 5*time.Millisecond, "tus": 7 * time.Microsecond,
		"ts": ts, "tsu": tsu, "lts": ts, "id": "0b5e6f1c-3a4d-4e7f-9c2b-1a2b3c4d5e6f",
		"color": "GREEN", "tags": []any{"a", "b"}, "attrs": map[string]any{"x": int64(1), "y": nil},
		"addr": addr, "opt": nil, "last": "end", "either": map[string]any{"Addr": addr}, "one": int64(3),
	}
	return in, want
}

// encodeAll encodes in with all.avsc.
func encodeAll(t testing.TB, in map[string]any) []byte {
	t.Helper()
	text, err := os.ReadFile(allSchemaFile)
	require.NoError(t, err)
	b, err := avro.Marshal(avro.MustParse(string(text)), in)
	require.NoError(t, err)
	return b
}

// TestAvroSchemaMapping: every Avro type maps to the Arrow type the
// package documentation lists.
func TestAvroSchemaMapping(t *testing.T) {
	s, err := loadAvroFile(allSchemaFile)
	require.NoError(t, err)
	assert.Regexp(t, `^avro:file:[0-9a-f]{12}$`, s.model.ID)
	assert.Contains(t, s.model.Avro, `"com.example.All"`)
	addr := `struct<city: utf8, zip: utf8 nullable>`
	want := map[string]string{
		"b": "bool", "i": "int32", "l": "int64", "f": "float32", "d": "float64", "s": "utf8", "by": "binary",
		"fx": "fixed_size_binary[4]", "dec": "decimal(10, 2)", "bigdec": "decimal256(45, 5)",
		"day": "date32", "tms": "time32[ms]", "tus": "time64[us]", "ts": "timestamp[ms, tz=UTC]",
		"tsu": "timestamp[us, tz=UTC]", "lts": "timestamp[ms]", "id": "utf8", "color": "utf8",
		"tags": "list<item: utf8>", "attrs": "map<utf8, int64, items_nullable>",
		"addr": addr, "opt": addr, "last": "utf8",
		"either": "struct<string: utf8 nullable, long: int64 nullable, Addr: " + addr + " nullable>", "one": "int32",
	}
	nullable := map[string]bool{"opt": true, "last": true, "either": true}
	require.Len(t, s.model.Fields, len(want))
	for _, f := range s.model.Fields {
		assert.Equal(t, want[f.Name], f.Type.String(), f.Name)
		assert.Equal(t, nullable[f.Name], f.Nullable, f.Name)
	}
	tags, _ := s.model.Field("tags")
	assert.False(t, tags.Type.(*arrow.ListType).ElemField().Nullable, "array items of a non-union type")
	addrField, _ := s.model.Field("addr")
	zip, _ := addrField.Type.(*arrow.StructType).FieldByName("zip")
	assert.True(t, zip.Nullable)
}

// TestAvroDecode: a value of every type decodes into the seam's Go values,
// from the Confluent wire format and from bare Avro with a schema file.
func TestAvroDecode(t *testing.T) {
	in, want := allValue(t)
	value := encodeAll(t, in)
	for _, tc := range []struct {
		wire  string
		value []byte
	}{{WireBare, value}, {WireConfluent, confluent(42, value)}} {
		t.Run(tc.wire, func(t *testing.T) {
			st := avroStage(t, AvroConfig{SchemaFile: allSchemaFile, Wire: tc.wire}, Settings{}, "ts")
			b := &model.Batch{Records: []model.Record{{Value: tc.value, Timestamp: time.Unix(1, 0)}, {Value: nil}}}
			require.NoError(t, st.ParseBatch(b))
			require.Empty(t, b.Rejected)
			rec := &b.Records[0]
			require.NotNil(t, rec.Schema)
			got, err := rec.Fields()
			require.NoError(t, err)
			assert.Equal(t, want, got)
			assert.NoError(t, schema.Check(rec.Schema, got))
			assert.Equal(t, in["ts"], rec.EventTime)
			assert.False(t, rec.EventTimeFallback)
			assert.Nil(t, b.Records[1].Schema, "a tombstone stays untyped")
			assert.True(t, b.Records[1].EventTimeFallback, "a tombstone has no time field")
		})
	}
}

// TestAvroWrapped: a schema that is not a record is one field, "value".
func TestAvroWrapped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.avsc")
	require.NoError(t, os.WriteFile(path, []byte(`["null","long"]`), 0o600))
	st := avroStage(t, AvroConfig{SchemaFile: path, Wire: WireBare}, Settings{})
	b := &model.Batch{Records: []model.Record{{Value: []byte{2, 6}}, {Value: []byte{0}}}}
	require.NoError(t, st.ParseBatch(b))
	require.Len(t, b.Records, 2)
	assert.Equal(t, []arrow.Field{{Name: "value", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, b.Records[0].Schema.Fields)
	v, _ := b.Records[0].Field("value")
	assert.Equal(t, int64(3), v)
	v, ok := b.Records[1].Field("value")
	assert.True(t, ok)
	assert.Nil(t, v)
}

// TestAvroRejects: values that are not what the schema says are rejected
// with a reason, and the others of the batch go on.
func TestAvroRejects(t *testing.T) {
	in, _ := allValue(t)
	good := encodeAll(t, in)
	st := avroStage(t, AvroConfig{SchemaFile: allSchemaFile, Wire: WireConfluent}, Settings{})
	cases := map[string][]byte{
		"is shorter than the Confluent header": {0, 0, 0},
		"magic byte 0x7b":                      []byte(`{"json": true}`),
		"bytes left over":                      confluent(1, append(append([]byte{}, good...), 0)),
		"EOF":                                  confluent(1, good[:len(good)-3]),
		"invalid bool":                         confluent(1, append([]byte{7}, good[1:]...)),
	}
	b := &model.Batch{Records: []model.Record{{Offset: 0, Value: confluent(1, good)}}}
	var reasons []string
	for reason, v := range cases {
		b.Records = append(b.Records, model.Record{Offset: int64(len(b.Records)), Value: v})
		reasons = append(reasons, reason)
	}
	require.NoError(t, st.ParseBatch(b))
	require.Len(t, b.Records, 1)
	require.Len(t, b.Rejected, len(cases))
	for i, r := range b.Rejected {
		assert.Contains(t, r.Reason, "decoding avro: ")
		assert.Contains(t, r.Reason, reasons[i])
		assert.Nil(t, r.Record.Schema)
	}
	assert.Equal(t, uint64(len(cases)), st.Stats().Rejected)
}

// TestAvroOptions: the options' problems, all at once, with their paths.
func TestAvroOptions(t *testing.T) {
	var paths []string
	for _, fe := range conf.List(Config{Type: TypeAvro, JSON: defaultJSON(), Options: conf.OptionsOf(&AvroConfig{Wire: "json",
		SchemaFile: "testdata/avro/missing.avsc"}), Time: TimeConfig{Field: "a..b"}}.Validate()) {
		paths = append(paths, fe.Path)
	}
	assert.Equal(t, []string{"options.wire", "options.schema_file", "time.field"}, paths)
	err := Config{Type: TypeAvro, JSON: defaultJSON(), Options: conf.OptionsOf(&AvroConfig{Wire: WireBare})}.Validate()
	assert.ErrorContains(t, err, "options.wire: bare Avro values need schema_file")

	assert.True(t, Config{Type: TypeAvro}.NeedsRegistry())
	assert.False(t, Config{Type: TypeAvro, Options: conf.OptionsOf(&AvroConfig{Wire: WireConfluent, SchemaFile: allSchemaFile})}.NeedsRegistry())
	assert.False(t, Config{Type: TypeJSON}.NeedsRegistry())
	_, err = New(Config{Type: TypeAvro}, Settings{})
	assert.ErrorIs(t, err, ErrInvalidConfig)

	recursive := filepath.Join(t.TempDir(), "list.avsc")
	require.NoError(t, os.WriteFile(recursive, []byte(`{"type":"record","name":"Node","fields":[
		{"name":"v","type":"long"},{"name":"next","type":["null","Node"]}]}`), 0o600))
	err = Config{Type: TypeAvro, Options: conf.OptionsOf(&AvroConfig{Wire: WireBare, SchemaFile: recursive})}.Validate()
	assert.ErrorIs(t, err, errRecursive)
}

// mustParseAvro parses schema text.
func mustParseAvro(t testing.TB, text string) avro.Schema {
	t.Helper()
	s, err := parseAvroSchema(text)
	require.NoError(t, err)
	return s
}

// TestAvroSchemaTooLarge: a schema whose named types each use the one
// before twice expands exponentially; compiling it stops with an error
// instead of running for ever.
func TestAvroSchemaTooLarge(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"type":"record","name":"T0","fields":[{"name":"v","type":"long"}]}`)
	text := b.String()
	for i := 1; i <= 30; i++ {
		text = fmt.Sprintf(`{"type":"record","name":"T%d","fields":[{"name":"a","type":%s},{"name":"b","type":"T%d"}]}`, i, text, i-1)
	}
	s, err := parseAvroSchema(text)
	require.NoError(t, err)
	_, err = compileAvro("avro:1", s)
	require.ErrorIs(t, err, errTooLarge)
}
