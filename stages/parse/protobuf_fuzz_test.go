package parse

import (
	"bytes"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
)

// FuzzProtobufDecode feeds arbitrary values to the protobuf parser, in the
// Confluent wire format against a descriptor set and bare: it must not
// panic, must leave the value untouched, and every value it decodes must
// conform to its schema (the Go value model.Schema lists for each Arrow
// type, no missing non-nullable field).
func FuzzProtobufDecode(f *testing.F) {
	types := testTypes(f)
	for _, js := range []string{fullOrder, `{}`, `{"lines":[{}],"attrs":{}}`} {
		f.Add(confluent(f, 1, []int{0}, protoMessage(f, types, "shop.v1.Order", js)))
	}
	f.Add(confluent(f, 1, []int{0, 0}, protoMessage(f, types, "shop.v1.Order.Line", `{"sku":"s"}`)))
	f.Add(confluent(f, 1, []int{2}, protoMessage(f, types, "shop.v1.Node", `{"children":[{"parent":{}}]}`)))
	f.Add([]byte{0, 0, 0, 0, 1, 2, 2, 0x0a, 1, 'x'})
	f.Add([]byte{0, 0, 0, 0, 1, 0x7f})
	f.Add([]byte{1})

	set := writeDescriptorSet(f, true)
	wire := protobufStage(f, `{type: protobuf, options: {descriptor_set: `+set+`, message: shop.v1.Order, time_field: created_at}}`, Settings{})
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
			require.NoError(t, conforms(fields, rec.Schema.Fields), "%x", value)
			require.Equal(t, time.UTC, rec.EventTime.Location())
		}
	})
}

// conforms checks that fields hold the Go value model.Schema lists for
// each Arrow field, and every non-nullable field.
func conforms(fields map[string]any, schema []arrow.Field) error {
	if len(fields) > len(schema) {
		return fmt.Errorf("%d fields for a schema of %d", len(fields), len(schema))
	}
	for _, f := range schema {
		v, ok := fields[f.Name]
		if !ok || v == nil {
			if !f.Nullable {
				return fmt.Errorf("%s: missing, not nullable", f.Name)
			}
			continue
		}
		if err := conformsValue(v, f.Type); err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	return nil
}

// conformsValue checks one value against its Arrow type.
func conformsValue(v any, typ arrow.DataType) error {
	var ok bool
	switch t := typ.(type) {
	case *arrow.BooleanType:
		_, ok = v.(bool)
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Int64Type:
		_, ok = v.(int64)
	case *arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type, *arrow.Uint64Type:
		_, ok = v.(uint64)
	case *arrow.Float32Type, *arrow.Float64Type:
		_, ok = v.(float64)
	case *arrow.StringType:
		_, ok = v.(string)
	case *arrow.BinaryType:
		var b []byte
		b, ok = v.([]byte)
		ok = ok && b != nil
	case *arrow.TimestampType:
		_, ok = v.(time.Time)
	case *arrow.Decimal128Type:
		_, ok = v.(*big.Rat)
	case *arrow.StructType:
		m, isMap := v.(map[string]any)
		if !isMap {
			break
		}
		return conforms(m, t.Fields())
	case *arrow.MapType:
		m, isMap := v.(map[string]any)
		if !isMap {
			break
		}
		for k, x := range m {
			if err := conformsValue(x, t.ItemType()); err != nil {
				return fmt.Errorf("[%q]: %w", k, err)
			}
		}
		return nil
	case *arrow.ListType:
		l, isList := v.([]any)
		if !isList {
			break
		}
		for i, x := range l {
			if err := conformsValue(x, t.Elem()); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return nil
	}
	if !ok {
		return fmt.Errorf("a %T for %s", v, typ)
	}
	return nil
}
