package parse

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/bufbuild/protocompile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/schema"
)

// writeDescriptorSet compiles order.proto and writes its FileDescriptorSet
// (as "protoc --include_imports -o" does; without the well-known types when
// wkt is false, as plain "protoc -o" leaves them out) into a temporary
// directory, returning its path.
func writeDescriptorSet(t testing.TB, wkt bool) string {
	t.Helper()
	comp := protocompile.Compiler{Resolver: protocompile.WithStandardImports(
		&protocompile.SourceResolver{ImportPaths: []string{protoDir}}), SourceInfoMode: protocompile.SourceInfoStandard}
	files, err := comp.Compile(t.Context(), "order.proto")
	require.NoError(t, err)
	set := new(descriptorpb.FileDescriptorSet)
	seen := map[string]bool{}
	var add func(f protoreflect.FileDescriptor)
	add = func(f protoreflect.FileDescriptor) { // dependencies first, like protoc
		if seen[f.Path()] || !wkt && strings.HasPrefix(f.Path(), "google/protobuf/") {
			return
		}
		seen[f.Path()] = true
		for i := range f.Imports().Len() {
			add(f.Imports().Get(i).FileDescriptor)
		}
		set.File = append(set.File, protodesc.ToFileDescriptorProto(f))
	}
	add(files[0])
	b, err := proto.Marshal(set)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "order.binpb")
	require.NoError(t, os.WriteFile(path, b, 0o600))
	return path
}

func TestProtobufDescriptorSet(t *testing.T) {
	types := testTypes(t)
	full := protoMessage(t, types, "shop.v1.Order", fullOrder)
	var ids []string
	for _, wkt := range []bool{true, false} {
		set := writeDescriptorSet(t, wkt)
		s := protobufStage(t, `{type: protobuf, options: {descriptor_set: `+set+`, message: shop.v1.Order}, time: {field: created_at}}`, Settings{})
		b := model.Batch{Records: []model.Record{
			{Value: confluentProto(t, 4242, []int{0}, full)}, // the header's id is not looked up
			{Value: confluentProto(t, 1, []int{1}, protoMessage(t, types, "shop.v1.Refund", `{"orderId":"o-2"}`))},
		}}
		require.NoError(t, s.ParseBatch(&b))
		require.Empty(t, b.Rejected)
		rec := b.Records[0]
		assert.Regexp(t, regexp.MustCompile(`^protobuf:file:[0-9a-f]{16}:shop\.v1\.Order$`), rec.Schema.ID)
		ids = append(ids, rec.Schema.ID)
		fields, err := rec.Fields()
		require.NoError(t, err)
		assert.Equal(t, fullOrderFields, fields)
		assert.Equal(t, time.Date(2025, time.November, 22, 1, 2, 3, 123456000, time.UTC), rec.EventTime)
		assert.Equal(t, "o-2", must(b.Records[1].Field("order_id")))
	}

	s := protobufStage(t, `{type: protobuf, options: {proto_file: `+protoDir+`/order.proto, message: shop.v1.Order}}`, Settings{})
	b := model.Batch{Records: []model.Record{{Value: confluentProto(t, 0, []int{0}, full)}}}
	require.NoError(t, s.ParseBatch(&b))
	require.Empty(t, b.Rejected)
	ids = append(ids, b.Records[0].Schema.ID)
	assert.Equal(t, []string{ids[0], ids[0], ids[0]}, ids,
		"the same schema has the same ID from a descriptor set, with or without the well-known types, and from the .proto file")
}

func TestProtobufBareProtoFile(t *testing.T) {
	types := testTypes(t)
	s := protobufStage(t, `{type: protobuf, options: {wire: bare, proto_file: order.proto,
		import_paths: [`+protoDir+`], message: shop.v1.Refund}}`, Settings{})
	value, err := proto.Marshal(protoMessage(t, types, "shop.v1.Refund", `{"orderId":"o-3","amount":{"units":"7"}}`))
	require.NoError(t, err)
	b := model.Batch{Records: []model.Record{{Value: value}, {Value: []byte{0xff}}}}
	require.NoError(t, s.ParseBatch(&b))
	require.Len(t, b.Records, 1)
	fields, err := b.Records[0].Fields()
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"order_id": "o-3",
		"amount": map[string]any{"currency": "", "units": int64(7), "nanos": int64(0)}}, fields)
	require.Len(t, b.Rejected, 1)
	assert.Regexp(t, `^decoding protobuf: proto file order.proto: message shop.v1.Refund: proto: `, b.Rejected[0].Reason)
}

func TestProtobufLocalErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.proto")
	require.NoError(t, os.WriteFile(bad, []byte("syntax = \"proto3\";\nmessage X { int32 a = 1 }\n"), 0o600))
	notSet := filepath.Join(t.TempDir(), "x.binpb")
	require.NoError(t, os.WriteFile(notSet, []byte{0xff, 0xff}, 0o600))
	set := writeDescriptorSet(t, true)
	tests := []struct{ options, want string }{
		{`{descriptor_set: ` + set + `, message: shop.v1.Nope}`, "message shop.v1.Nope not found: proto: not found"},
		{`{descriptor_set: ` + set + `, message: shop.common.Status}`, "shop.common.Status is not a message"},
		{`{descriptor_set: /nonexistent/x.binpb, message: a.B}`, "no such file or directory"},
		{`{descriptor_set: ` + notSet + `, message: a.B}`, "reading a FileDescriptorSet"},
		{`{proto_file: ` + bad + `, message: X}`, "compiling: bad.proto:2:25: syntax error"},
	}
	for _, tc := range tests {
		cfg := DefaultConfig()
		require.NoError(t, yaml.Unmarshal([]byte(`{type: protobuf, options: `+tc.options+`}`), &cfg))
		_, err := New(cfg, Settings{})
		require.ErrorIs(t, err, ErrInvalidConfig, tc.options)
		assert.Contains(t, err.Error(), tc.want, tc.options)
	}
}

func TestProtobufProto2(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "p2.proto"), []byte(`syntax = "proto2";
package p2;
message R {
  required int32 a = 1;
  optional int32 b = 2 [default = 5];
  repeated int32 c = 3 [packed = true];
}
`), 0o600))
	s := protobufStage(t, `{type: protobuf, options: {wire: bare, proto_file: `+dir+`/p2.proto, message: p2.R}}`, Settings{})
	b := model.Batch{Records: []model.Record{
		{Value: []byte{0x08, 0x01}},             // a = 1
		{Value: []byte{0x10, 0x02}},             // b = 2, a missing
		{Value: []byte{0x08, 0x7f, 0x1a, 1, 3}}, // a = 127, c = [3]
	}}
	require.NoError(t, s.ParseBatch(&b))
	require.Len(t, b.Records, 2)
	assert.Equal(t, `schema:
  fields: 3
    - a: type=int32
    - b: type=int32, nullable
    - c: type=list<item: int32, nullable>`, arrow.NewSchema(b.Records[0].Schema.Fields, nil).String())
	assert.Equal(t, map[string]any{"a": int64(1), "c": []any{}}, must2(b.Records[0].Fields()))
	assert.Equal(t, map[string]any{"a": int64(127), "c": []any{int64(3)}}, must2(b.Records[1].Fields()))
	require.Len(t, b.Rejected, 1)
	assert.Contains(t, b.Rejected[0].Reason, "required field p2.R.a not set")
}

// must2 returns a record's fields, dropping the error.
func must2(m map[string]any, _ error) map[string]any { return m }

// TestProtobufDeepNesting: messages nested deeper than maxNesting become
// JSON text, and what decodes passes schema.Check.
func TestProtobufDeepNesting(t *testing.T) {
	var src strings.Builder
	src.WriteString("syntax = \"proto3\";\npackage deep;\n")
	for i := range 40 {
		fmt.Fprintf(&src, "message M%d { int32 v = 1; M%d next = 2; }\n", i, i+1)
	}
	src.WriteString("message M40 { int32 v = 1; }\n")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "deep.proto"), []byte(src.String()), 0o600))
	s := protobufStage(t, `{type: protobuf, options: {wire: bare, proto_file: `+dir+`/deep.proto, message: deep.M0}}`, Settings{})
	var value []byte
	for i := 40; i >= 0; i-- { // M_i {v: i, next: M_i+1}
		inner := value
		value = []byte{0x08, byte(i)}
		if inner != nil {
			value = protowire.AppendBytes(append(value, 0x12), inner)
		}
	}
	b := model.Batch{Records: []model.Record{{Value: value}}}
	require.NoError(t, s.ParseBatch(&b))
	require.Empty(t, b.Rejected)
	rec := b.Records[0]
	fields, err := rec.Fields()
	require.NoError(t, err)
	require.NoError(t, schema.Check(rec.Schema, fields))
	depth, typ := 0, rec.Schema.Fields[1].Type
	for {
		st, ok := typ.(*arrow.StructType)
		if !ok {
			break
		}
		depth++
		typ = st.Field(1).Type
	}
	assert.Equal(t, maxNesting-1, depth)
	assert.Equal(t, arrow.BinaryTypes.String, typ)
	m := fields
	for range depth {
		m = m["next"].(map[string]any)
	}
	assert.Equal(t, `{"v":32,"next":{"v":33,"next":{"v":34,"next":{"v":35,"next":{"v":36,"next":{"v":37,"next":{"v":38,"next":{"v":39,"next":{"v":40}}}}}}}}}`, m["next"])
}
