package parse

import (
	"testing"

	"github.com/sluicehq/sluice/model"
)

// BenchmarkProtobufDecode decodes an order with every field kind set (23
// fields, nested messages, lists, maps, well-known types), and a small
// one, in the Confluent wire format with a cached schema.
func BenchmarkProtobufDecode(b *testing.B) {
	types := testTypes(b)
	set := writeDescriptorSet(b, true)
	s := protobufStage(b, `{type: protobuf, options: {descriptor_set: `+set+`, message: shop.v1.Order}}`, Settings{})
	p := s.decoder
	for _, bc := range []struct{ name, message, js string }{
		{"order", "shop.v1.Order", fullOrder},
		{"refund", "shop.v1.Refund", `{"orderId":"o-1","amount":{"currency":"EUR","units":"5"}}`},
	} {
		index := []int{0}
		if bc.message == "shop.v1.Refund" {
			index = []int{1}
		}
		value := confluentProto(b, 1, index, protoMessage(b, types, bc.message, bc.js))
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(value)))
			for b.Loop() {
				rec := model.Record{Value: value}
				if err := p.Decode(&rec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
