package schema

import (
	"encoding/json"
	"math"
	"math/big"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicehq/sluice/model"
)

// Conform converts, in place, the fields a stage set on a typed record in
// JSON's shapes (json.Number, RFC 3339 strings, Go ints and floats, as a
// transform's expressions make them) into the Go values s's Arrow types
// call for (see model.Schema), then checks them (Check). A value it cannot
// convert stays as it is, and Check names it.
func Conform(s *model.Schema, fields map[string]any) error {
	for _, f := range s.Fields {
		if v, ok := fields[f.Name]; ok {
			fields[f.Name] = conformValue(f.Type, v, 0)
		}
	}
	return Check(s, fields)
}

// conformValue returns v converted to t's Go value, or v when it cannot.
func conformValue(t arrow.DataType, v any, depth int) any {
	if v == nil || depth > maxDepth {
		return v
	}
	switch t.(type) {
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Int64Type:
		if n, ok := asRat(v); ok && n.IsInt() && n.Num().IsInt64() {
			return n.Num().Int64()
		}
	case *arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type, *arrow.Uint64Type:
		if n, ok := asRat(v); ok && n.IsInt() && n.Num().IsUint64() {
			return n.Num().Uint64()
		}
	case *arrow.Float16Type, *arrow.Float32Type, *arrow.Float64Type:
		if n, ok := asRat(v); ok {
			f, _ := n.Float64()
			return f
		}
	case *arrow.Decimal128Type, *arrow.Decimal256Type:
		if n, ok := asRat(v); ok {
			return n
		}
	case *arrow.StringType, *arrow.LargeStringType:
		if n, ok := v.(json.Number); ok {
			return string(n)
		}
	case *arrow.BinaryType, *arrow.LargeBinaryType:
		if s, ok := v.(string); ok {
			return []byte(s)
		}
	case *arrow.TimestampType, *arrow.Date32Type, *arrow.Date64Type:
		if s, ok := v.(string); ok {
			if tm, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return tm.UTC()
			}
		}
	}
	return conformNested(t, v, depth)
}

func conformNested(t arrow.DataType, v any, depth int) any {
	switch t := t.(type) {
	case *arrow.StructType:
		if m, ok := v.(map[string]any); ok {
			for _, f := range t.Fields() {
				if x, ok := m[f.Name]; ok {
					m[f.Name] = conformValue(f.Type, x, depth+1)
				}
			}
		}
	case *arrow.MapType:
		if m, ok := v.(map[string]any); ok {
			for k, x := range m {
				m[k] = conformValue(t.ItemType(), x, depth+1)
			}
		}
	case arrow.ListLikeType:
		if xs, ok := v.([]any); ok {
			for i, x := range xs {
				xs[i] = conformValue(t.Elem(), x, depth+1)
			}
		}
	}
	return v
}

// asRat reads a number a stage may have set: json.Number, a Go int or
// float, or numeric text; ok is false for anything else.
func asRat(v any) (*big.Rat, bool) {
	switch x := v.(type) {
	case *big.Rat:
		return x, x != nil
	case json.Number:
		return new(big.Rat).SetString(string(x))
	case string:
		return new(big.Rat).SetString(x)
	case int64:
		return new(big.Rat).SetInt64(x), true
	case int:
		return new(big.Rat).SetInt64(int64(x)), true
	case uint64:
		return new(big.Rat).SetUint64(x), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, false
		}
		return new(big.Rat).SetFloat64(x), true
	}
	return nil, false
}
