package parse

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"
	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/transport/schemareg"
)

const personSchema = `{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},
	"born":{"type":"string","format":"date"}},"required":["name"]}`

// framed is value in the Confluent wire format under schema id.
func framed(id int, value string) []byte {
	b := []byte{0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[1:], uint32(id))
	return append(b, value...)
}

// TestJSONSchemaRegistry: records are typed by the registry's JSON Schema
// their header names; a record that does not fit, an unknown id, a schema
// of another type and a missing header are rejected with their reason; a
// registry that does not answer stops the batch instead.
func TestJSONSchemaRegistry(t *testing.T) {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	id, _, err := reg.RegisterSchema("people-value", sr.Schema{Schema: personSchema, Type: sr.TypeJSON})
	require.NoError(t, err)
	avroID, _, err := reg.RegisterSchema("other-value", sr.Schema{Schema: `"string"`, Type: sr.TypeAvro})
	require.NoError(t, err)
	cl, err := schemareg.New(schemareg.Config{URL: schemareg.URLs{reg.URL()}, Timeout: 2 * time.Second})
	require.NoError(t, err)
	s := protobufStage(t, `{type: json_schema}`, Settings{Registry: cl})

	b := model.Batch{Records: []model.Record{
		{Offset: 0, Value: framed(id, `{"name":"ann","age":41,"born":"1985-03-02","extra":true}`)},
		{Offset: 1, Value: framed(id, `{"age":3}`)},
		{Offset: 2, Value: framed(9999, `{"name":"x"}`)},
		{Offset: 3, Value: framed(avroID, `{"name":"x"}`)},
		{Offset: 4, Value: []byte(`{"name":"x"}`)},
		{Offset: 5, Value: nil},
	}}
	require.NoError(t, s.ParseBatch(&b))
	require.Len(t, b.Records, 2)
	assert.Equal(t, "json_schema:"+itoa(id), b.Records[0].Schema.ID)
	assert.Equal(t, "ann", must(b.Records[0].Field("name")))
	assert.Equal(t, int64(41), must(b.Records[0].Field("age")))
	assert.Equal(t, time.Date(1985, 3, 2, 0, 0, 0, 0, time.UTC), must(b.Records[0].Field("born")))
	assert.Nil(t, b.Records[1].Schema, "a tombstone stays untyped")
	reasons := map[int64]string{}
	for _, r := range b.Rejected {
		reasons[r.Record.Offset] = r.Reason
	}
	assert.Contains(t, reasons[1], "field name: missing")
	assert.Contains(t, reasons[2], "schema id 9999")
	assert.Contains(t, reasons[3], "not JSON")
	assert.Contains(t, reasons[4], "magic byte 0x7b")

	reg.Close()
	s = protobufStage(t, `{type: json_schema}`, Settings{Registry: cl})
	b = model.Batch{Records: []model.Record{{Value: framed(id, `{"name":"x"}`)}}}
	require.ErrorIs(t, s.ParseBatch(&b), ErrUnavailable)
	assert.Empty(t, b.Rejected)
}

// TestJSONSchemaFile: bare JSON typed by a schema file; bad options are
// reported with their keys.
func TestJSONSchemaFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "person.schema.json")
	require.NoError(t, os.WriteFile(file, []byte(personSchema), 0o644))
	s := protobufStage(t, `{type: json_schema, options: {wire: bare, schema_file: `+file+`}}`, Settings{})
	b := model.Batch{Records: []model.Record{{Value: []byte(`{"name":"bo","age":"7"}`)}}}
	require.NoError(t, s.ParseBatch(&b))
	require.Len(t, b.Records, 1)
	assert.Equal(t, int64(7), must(b.Records[0].Field("age")))
	assert.Contains(t, b.Records[0].Schema.ID, "declared:")

	cfg := DefaultConfig()
	require.NoError(t, yaml.Unmarshal([]byte(`{type: json_schema, options: {wire: bare, schema_file: /nonexistent.json}}`), &cfg))
	err := cfg.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "options.schema_file")
	assert.ErrorContains(t, JSONSchemaConfig{Wire: WireBare}.Validate(), "wire: bare JSON values need schema_file")
}
