package parse

import (
	"fmt"
	"math/big"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// conforms checks that v is the Go value model.Schema lists for f's Arrow
// type: what the typed formats will rely on.
func conforms(v any, f arrow.Field) error {
	if v == nil {
		if !f.Nullable && f.Type.ID() != arrow.NULL {
			return fmt.Errorf("%s: nil in a non-nullable field", f.Name)
		}
		return nil
	}
	ok := false
	switch t := f.Type.(type) {
	case *arrow.BooleanType:
		_, ok = v.(bool)
	case *arrow.Int32Type, *arrow.Int64Type:
		_, ok = v.(int64)
	case *arrow.Float32Type, *arrow.Float64Type:
		_, ok = v.(float64)
	case *arrow.StringType:
		_, ok = v.(string)
	case *arrow.BinaryType:
		_, ok = v.([]byte)
	case *arrow.FixedSizeBinaryType:
		b, isBytes := v.([]byte)
		ok = isBytes && len(b) == t.ByteWidth
	case *arrow.Decimal128Type, *arrow.Decimal256Type:
		_, ok = v.(*big.Rat)
	case *arrow.Date32Type, *arrow.TimestampType:
		_, ok = v.(time.Time)
	case *arrow.Time32Type, *arrow.Time64Type:
		_, ok = v.(time.Duration)
	case *arrow.StructType:
		m, isMap := v.(map[string]any)
		if !isMap {
			break
		}
		for _, c := range t.Fields() {
			if err := conforms(m[c.Name], c); err != nil {
				return fmt.Errorf("%s.%w", f.Name, err)
			}
		}
		return nil
	case *arrow.ListType:
		l, isList := v.([]any)
		if !isList {
			break
		}
		for _, e := range l {
			if err := conforms(e, t.ElemField()); err != nil {
				return fmt.Errorf("%s[]: %w", f.Name, err)
			}
		}
		return nil
	case *arrow.MapType:
		m, isMap := v.(map[string]any)
		if !isMap {
			break
		}
		for _, e := range m {
			if err := conforms(e, t.ItemField()); err != nil {
				return fmt.Errorf("%s{}: %w", f.Name, err)
			}
		}
		return nil
	}
	if !ok {
		return fmt.Errorf("%s: %T for %s", f.Name, v, f.Type)
	}
	return nil
}
