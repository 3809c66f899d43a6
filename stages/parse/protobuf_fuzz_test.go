package parse

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/schema"
)

// FuzzProtobufDecode feeds arbitrary values to the protobuf parser, in the
// Confluent wire format against a descriptor set and bare: it must not
// panic, must leave the value untouched, and every value it decodes must
// pass schema.Check (the Go value model.Schema lists for each Arrow type,
// no missing non-nullable field), as the files' columns require.
func FuzzProtobufDecode(f *testing.F) {
	types := testTypes(f)
	for _, js := range []string{fullOrder, `{}`, `{"lines":[{}],"attrs":{}}`} {
		f.Add(confluentProto(f, 1, []int{0}, protoMessage(f, types, "shop.v1.Order", js)))
	}
	f.Add(confluentProto(f, 1, []int{0, 0}, protoMessage(f, types, "shop.v1.Order.Line", `{"sku":"s"}`)))
	f.Add(confluentProto(f, 1, []int{2}, protoMessage(f, types, "shop.v1.Node", `{"children":[{"parent":{}}]}`)))
	f.Add([]byte{0, 0, 0, 0, 1, 2, 2, 0x0a, 1, 'x'})
	f.Add([]byte{0, 0, 0, 0, 1, 0x7f})
	f.Add([]byte{1})

	set := writeDescriptorSet(f, true)
	wire := protobufStage(f, `{type: protobuf, options: {descriptor_set: `+set+`, message: shop.v1.Order}, time: {field: created_at}}`, Settings{})
	bare := protobufStage(f, `{type: protobuf, options: {wire: bare, descriptor_set: `+set+`, message: shop.v1.Order}}`, Settings{})
	f.Fuzz(func(t *testing.T, value []byte) {
		for _, s := range []*Stage{wire, bare} {
			orig := bytes.Clone(value)
			b := model.Batch{Records: []model.Record{{Value: value, Timestamp: kafkaTime}}}
			require.NoError(t, s.ParseBatch(&b))
			require.Equal(t, orig, value)
			require.Equal(t, 1, len(b.Records)+len(b.Rejected))
			if len(b.Records) == 0 {
				require.Contains(t, b.Rejected[0].Reason, "decoding protobuf: ")
				continue
			}
			rec := b.Records[0]
			fields, err := rec.Fields()
			require.NoError(t, err)
			require.NoError(t, schema.Check(rec.Schema, fields), "%x", value)
			require.Equal(t, time.UTC, rec.EventTime.Location())
		}
	})
}
