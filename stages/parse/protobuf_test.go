package parse

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/linker"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"
	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/transport/schemareg"
)

// protoDir holds the test schemas: order.proto imports common.proto and
// well-known types.
const protoDir = "testdata/protobuf"

// protoText reads a test schema.
func protoText(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(protoDir, name))
	require.NoError(t, err)
	return string(b)
}

// testTypes compiles the test schemas apart from the parser, to write
// records with.
func testTypes(t testing.TB) linker.Resolver {
	t.Helper()
	comp := protocompile.Compiler{Resolver: protocompile.WithStandardImports(
		&protocompile.SourceResolver{ImportPaths: []string{protoDir}})}
	files, err := comp.Compile(t.Context(), "order.proto")
	require.NoError(t, err)
	return files.AsResolver()
}

// protoMessage builds a message of the named type from its Protobuf JSON.
func protoMessage(t testing.TB, types linker.Resolver, name, js string) proto.Message {
	t.Helper()
	mt, err := types.FindMessageByName(protoreflect.FullName(name))
	require.NoError(t, err)
	m := mt.New().Interface()
	require.NoError(t, protojson.UnmarshalOptions{Resolver: types}.Unmarshal([]byte(js), m))
	return m
}

// confluent frames m in the Confluent wire format with franz-go's header.
func confluentProto(t testing.TB, id int, index []int, m proto.Message) []byte {
	t.Helper()
	b, err := new(sr.ConfluentHeader).AppendEncode(nil, id, index)
	require.NoError(t, err)
	b, err = proto.MarshalOptions{Deterministic: true}.MarshalAppend(b, m)
	require.NoError(t, err)
	return b
}

// testRegistry starts an in-process Schema Registry holding common.proto
// (subject shop-common) and order.proto referencing it (subject
// orders-value), and returns it, a client and order.proto's id.
func testRegistry(t testing.TB) (*srfake.Registry, *sr.Client, int) {
	t.Helper()
	reg := srfake.New()
	t.Cleanup(reg.Close)
	_, _, err := reg.RegisterSchema("shop-common", sr.Schema{Schema: protoText(t, "common.proto"), Type: sr.TypeProtobuf})
	require.NoError(t, err)
	id, _, err := reg.RegisterSchema("orders-value", sr.Schema{Schema: protoText(t, "order.proto"), Type: sr.TypeProtobuf,
		References: []sr.SchemaReference{{Name: "common.proto", Subject: "shop-common", Version: 1}}})
	require.NoError(t, err)
	cl, err := schemareg.New(schemareg.Config{URL: schemareg.URLs{reg.URL()}, Timeout: 5 * time.Second})
	require.NoError(t, err)
	return reg, cl, id
}

// protobufStage builds a stage from a parser section written in YAML.
func protobufStage(t testing.TB, section string, set Settings) *Stage {
	t.Helper()
	cfg := DefaultConfig()
	require.NoError(t, yaml.Unmarshal([]byte(section), &cfg))
	s, err := New(cfg, set)
	require.NoError(t, err)
	return s
}

// fullOrder is an order with every field set, in Protobuf JSON, and the
// typed fields it decodes to.
const fullOrder = `{"id":"o-1","qty":3,"delta":"-5","u32":7,"f64":"18446744073709551615","ratio":0.5,
 "price":19.99,"gift":true,"blob":"AAEC","status":"STATUS_SHIPPED",
 "total":{"currency":"EUR","units":"19","nanos":990000000},
 "lines":[{"sku":"a","qty":1},{"sku":"b","qty":2}],"counts":{"x":"1","y":"2"},"names":{"7":"seven"},
 "createdAt":"2025-11-22T01:02:03.123456Z","maybe":"0","note":"hi","took":"1.5s",
 "attrs":{"k":[1,"two",null],"a":{"z":true,"b":false}},"coupon":"","card":"4111","tags":["t1","t2"],
 "extra":{"@type":"type.googleapis.com/shop.v1.Refund","orderId":"o-7"}}`

var fullOrderFields = map[string]any{
	"id": "o-1", "qty": int64(3), "delta": int64(-5), "u32": uint64(7), "f64": uint64(math.MaxUint64),
	"ratio": 0.5, "price": 19.99, "gift": true, "blob": []byte{0, 1, 2}, "status": "STATUS_SHIPPED",
	"total":  map[string]any{"currency": "EUR", "units": int64(19), "nanos": int64(990000000)},
	"lines":  []any{map[string]any{"sku": "a", "qty": int64(1)}, map[string]any{"sku": "b", "qty": int64(2)}},
	"counts": map[string]any{"x": int64(1), "y": int64(2)}, "names": map[string]any{"7": "seven"},
	"created_at": time.Date(2025, time.November, 22, 1, 2, 3, 123456000, time.UTC),
	"maybe":      int64(0), "note": "hi", "took": int64(1500 * time.Millisecond),
	"attrs": `{"a":{"b":false,"z":true},"k":[1,"two",null]}`, "coupon": "", "card": "4111", "tags": []any{"t1", "t2"},
	"extra": `{"@type":"type.googleapis.com/shop.v1.Refund","order_id":"o-7"}`,
}

// emptyOrderFields are what an order with nothing set decodes to: proto3
// scalars without presence take their defaults, the others are absent.
var emptyOrderFields = map[string]any{
	"id": "", "qty": int64(0), "delta": int64(0), "u32": uint64(0), "f64": uint64(0), "ratio": 0.0,
	"price": 0.0, "gift": false, "blob": []byte{}, "status": "STATUS_UNSPECIFIED", "lines": []any{},
	"counts": map[string]any{}, "names": map[string]any{}, "tags": []any{},
}

// orderSchema is the Arrow schema of shop.v1.Order.
const orderSchema = `schema:
  fields: 24
    - id: type=utf8
    - qty: type=int32
    - delta: type=int64
    - u32: type=uint32
    - f64: type=uint64
    - ratio: type=float32
    - price: type=float64
    - gift: type=bool
    - blob: type=binary
    - status: type=utf8
    - total: type=struct<currency: utf8, units: int64, nanos: int32>, nullable
    - lines: type=list<item: struct<sku: utf8, qty: int32>, nullable>
    - counts: type=map<utf8, int64, items_nullable>
    - names: type=map<utf8, utf8, items_nullable>
    - created_at: type=timestamp[us, tz=UTC], nullable
    - maybe: type=int64, nullable
    - note: type=utf8, nullable
    - took: type=int64, nullable
    - attrs: type=utf8, nullable
    - coupon: type=utf8, nullable
    - card: type=utf8, nullable
    - iban: type=utf8, nullable
    - tags: type=list<item: utf8, nullable>
    - extra: type=utf8, nullable`

func TestProtobufRegistryDecodes(t *testing.T) {
	_, cl, id := testRegistry(t)
	types := testTypes(t)
	s := protobufStage(t, `{type: protobuf, time: {field: created_at}}`, Settings{Registry: cl})

	b := model.Batch{Records: []model.Record{
		{Offset: 1, Timestamp: kafkaTime, Value: confluentProto(t, id, []int{0}, protoMessage(t, types, "shop.v1.Order", fullOrder))},
		{Offset: 2, Timestamp: kafkaTime, Value: confluentProto(t, id, []int{0}, protoMessage(t, types, "shop.v1.Order", `{}`))},
		{Offset: 3, Timestamp: kafkaTime, Value: confluentProto(t, id, []int{0, 0}, protoMessage(t, types, "shop.v1.Order.Line", `{"sku":"z"}`))},
		{Offset: 4, Timestamp: kafkaTime}, // a tombstone
	}}
	require.NoError(t, s.ParseBatch(&b))
	require.Empty(t, b.Rejected)
	require.Len(t, b.Records, 4)

	full := b.Records[0]
	require.NotNil(t, full.Schema)
	assert.Equal(t, "protobuf:"+itoa(id)+":shop.v1.Order", full.Schema.ID)
	assert.Equal(t, orderSchema, arrow.NewSchema(full.Schema.Fields, nil).String())
	fields, err := full.Fields()
	require.NoError(t, err)
	assert.Equal(t, fullOrderFields, fields)
	assert.Equal(t, time.Date(2025, time.November, 22, 1, 2, 3, 123456000, time.UTC), full.EventTime)
	assert.False(t, full.EventTimeFallback)

	empty := b.Records[1]
	assert.Same(t, full.Schema, empty.Schema, "one schema per id and message, shared")
	fields, err = empty.Fields()
	require.NoError(t, err)
	assert.Equal(t, emptyOrderFields, fields)
	assert.True(t, empty.EventTimeFallback, "created_at absent: the Kafka timestamp")

	line := b.Records[2]
	assert.Equal(t, "protobuf:"+itoa(id)+":shop.v1.Order.Line", line.Schema.ID)
	fields, err = line.Fields()
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"sku": "z", "qty": int64(0)}, fields)

	assert.Nil(t, b.Records[3].Schema, "tombstones stay untyped")
	assert.Equal(t, Stats{Parsed: 1, Fallbacks: 3, Missing: 3}, s.Stats())
}

// TestProtobufHandBuilt decodes a record built byte by byte (protowire
// layout, Confluent header with the explicit index array [1]), not by any
// library the parser uses.
func TestProtobufHandBuilt(t *testing.T) {
	_, cl, id := testRegistry(t)
	s := protobufStage(t, `{type: protobuf}`, Settings{Registry: cl})
	money := []byte{0x0a, 3, 'U', 'S', 'D', 0x10, 5}                                   // currency "USD", units 5
	refund := append([]byte{0x0a, 3, 'o', '-', '9', 0x12, byte(len(money))}, money...) // order_id, amount
	value := append([]byte{0, byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id), 2, 2}, refund...)
	b := model.Batch{Records: []model.Record{{Value: value}}}
	require.NoError(t, s.ParseBatch(&b))
	require.Empty(t, b.Rejected)
	assert.Equal(t, "protobuf:"+itoa(id)+":shop.v1.Refund", b.Records[0].Schema.ID)
	fields, err := b.Records[0].Fields()
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"order_id": "o-9",
		"amount": map[string]any{"currency": "USD", "units": int64(5), "nanos": int64(0)}}, fields)
}

// TestProtobufAnyUnknown writes an Any of a type the schema does not know
// as its type URL and bytes.
func TestProtobufAnyUnknown(t *testing.T) {
	_, cl, id := testRegistry(t)
	s := protobufStage(t, `{type: protobuf}`, Settings{Registry: cl})
	url := "type.googleapis.com/x.Y"
	anyMsg := append(append([]byte{0x0a, byte(len(url))}, url...), 0x12, 2, 1, 2)
	value := append(confluentProto(t, id, []int{0}, &emptypb.Empty{}), append([]byte{0xc2, 0x01, byte(len(anyMsg))}, anyMsg...)...)
	b := model.Batch{Records: []model.Record{{Value: value}}}
	require.NoError(t, s.ParseBatch(&b))
	require.Empty(t, b.Rejected)
	assert.Equal(t, `{"@type":"type.googleapis.com/x.Y","value":"AQI="}`, must(b.Records[0].Field("extra")))
}

func TestProtobufRecursive(t *testing.T) {
	_, cl, id := testRegistry(t)
	types := testTypes(t)
	s := protobufStage(t, `{type: protobuf}`, Settings{Registry: cl})
	node := protoMessage(t, types, "shop.v1.Node",
		`{"name":"root","children":[{"name":"a","children":[{"name":"a1"}]}],"parent":{"name":"up"}}`)
	b := model.Batch{Records: []model.Record{{Value: confluentProto(t, id, []int{2}, node)}}}
	require.NoError(t, s.ParseBatch(&b))
	require.Empty(t, b.Rejected)
	rec := b.Records[0]
	assert.Equal(t, `schema:
  fields: 3
    - name: type=utf8
    - children: type=list<item: utf8, nullable>
    - parent: type=utf8, nullable`, arrow.NewSchema(rec.Schema.Fields, nil).String())
	fields, err := rec.Fields()
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"name": "root",
		"children": []any{`{"name":"a","children":[{"name":"a1"}]}`}, "parent": `{"name":"up"}`}, fields)
}

func TestProtobufRejects(t *testing.T) {
	reg, cl, id := testRegistry(t)
	avroID, _, err := reg.RegisterSchema("avro-value", sr.Schema{Schema: `"string"`, Type: sr.TypeAvro})
	require.NoError(t, err)
	types := testTypes(t)
	s := protobufStage(t, `{type: protobuf}`, Settings{Registry: cl})
	header := func(id int, index ...int) []byte { return confluentProto(t, id, index, &emptypb.Empty{}) }
	badTime := protoMessage(t, types, "shop.v1.Order", `{"createdAt":"2025-11-22T01:02:03Z"}`)
	badTime.ProtoReflect().Get(badTime.ProtoReflect().Descriptor().Fields().ByName("created_at")).Message().
		Set(badTime.ProtoReflect().Descriptor().Fields().ByName("created_at").Message().Fields().ByNumber(2),
			protoreflect.ValueOfInt32(-1))
	tests := []struct {
		value  []byte
		reason string
	}{
		{[]byte{1, 0, 0, 0, 1, 0}, "decoding protobuf: magic byte 0x1 is not 0: not the Confluent wire format"},
		{[]byte{0, 0, 0}, "decoding protobuf: value of 3 bytes is shorter than the Confluent header (5 bytes)"},
		{header(9999, 0), "decoding protobuf: schema id 9999: schema not found"},
		{header(avroID, 0), "decoding protobuf: schema id " + itoa(avroID) + " is a AVRO schema, not PROTOBUF"},
		{header(id, 5), "decoding protobuf: schema id " + itoa(id) + ": message index [5] out of range"},
		{header(id, 0, 3), "decoding protobuf: schema id " + itoa(id) + ": message index [0 3] out of range"},
		{append(header(id), 0x03), "decoding protobuf: schema id " + itoa(id) + ": message index count -2 out of range (1 to 32)"},
		{append(header(id), 0x04), "decoding protobuf: schema id " + itoa(id) + ": message indexes truncated"},
		{append(header(id, 0), 0xff, 0xff), "decoding protobuf: schema id " + itoa(id) +
			": message shop.v1.Order: proto: cannot parse invalid wire-format data"},
		{append(header(id, 0), 0x0a, 1, 0xff), "decoding protobuf: schema id " + itoa(id) +
			": message shop.v1.Order: proto: field shop.v1.Order.id contains invalid UTF-8"},
		{confluentProto(t, id, []int{0}, badTime), "decoding protobuf: schema id " + itoa(id) +
			": message shop.v1.Order: field created_at: timestamp of 1763773323 s -1 ns out of range (years 1 to 9999)"},
	}
	b := model.Batch{}
	for i, tc := range tests {
		b.Records = append(b.Records, model.Record{Offset: int64(i), Value: tc.value})
	}
	require.NoError(t, s.ParseBatch(&b))
	assert.Empty(t, b.Records)
	require.Len(t, b.Rejected, len(tests))
	for i, tc := range tests {
		assert.Equal(t, tc.reason, b.Rejected[i].Reason, i)
		assert.Equal(t, tc.value, b.Rejected[i].Record.Value, i)
	}
	assert.Equal(t, uint64(len(tests)), s.Stats().Rejected)
}

func TestProtobufConfigErrors(t *testing.T) {
	tests := []struct{ section, want string }{
		{`{type: protobuf, options: {wire: raw}}`, `options.wire: unknown wire format "raw"`},
		{`{type: protobuf, options: {wire: bare}}`, `options.wire: bare values carry no schema id`},
		{`{type: protobuf, options: {message: a.B}}`, `options.message: only with descriptor_set or proto_file`},
		{`{type: protobuf, options: {proto_file: x.proto}}`, `options.message: required with descriptor_set or proto_file`},
		{`{type: protobuf, options: {proto_file: x.proto, descriptor_set: x.binpb, message: a.B}}`, `give descriptor_set or proto_file, not both`},
		{`{type: protobuf, options: {import_paths: [x], descriptor_set: x.binpb, message: a.B}}`, `options.import_paths: only with proto_file`},
		{`{type: protobuf, options: {time_field: x}}`, `options.time_field: unknown field`},
		{`{type: protobuf, options: {shema: x}}`, `shema`},
	}
	for _, tc := range tests {
		cfg := DefaultConfig()
		require.NoError(t, yaml.Unmarshal([]byte(tc.section), &cfg))
		err := cfg.Validate()
		require.Error(t, err, tc.section)
		assert.Contains(t, err.Error(), tc.want, tc.section)
	}
	cfg := DefaultConfig()
	require.NoError(t, yaml.Unmarshal([]byte(`{type: protobuf}`), &cfg))
	require.NoError(t, cfg.Validate())
	_, err := New(cfg, Settings{})
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), "needs a schema_registry section")
}

// itoa is strconv.Itoa, for expected texts.
func itoa(i int) string { return strconv.Itoa(i) }

// must returns a field's value, dropping whether it is there.
func must(v any, _ bool) any { return v }
