package format

import (
	"math"
	"math/big"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"

	"github.com/sluicehq/sluice/schema"
)

// appendGo appends v, a typed value as model.Schema lists them, to b. It
// appends null for nil, and for a value of another Go type (which a record
// checked against its schema, see schema.Check, never holds): it never
// fails and never panics, so that a row is always appended whole. It
// reports whether v fitted.
func appendGo(b array.Builder, v any) bool {
	if v == nil {
		b.AppendNull()
		return true
	}
	ok := appendNonNull(b, v)
	if !ok {
		b.AppendNull()
	}
	return ok
}

// appendNonNull appends v when it fits b and reports whether it did; it
// appends nothing otherwise.
func appendNonNull(b array.Builder, v any) bool {
	switch b := b.(type) {
	case *array.BooleanBuilder:
		x, ok := v.(bool)
		if ok {
			b.Append(x)
		}
		return ok
	case *array.Int64Builder:
		return appendInt(b, v, math.MinInt64, math.MaxInt64)
	case *array.Int32Builder:
		return appendInt(b, v, math.MinInt32, math.MaxInt32)
	case *array.Int16Builder:
		return appendInt(b, v, math.MinInt16, math.MaxInt16)
	case *array.Int8Builder:
		return appendInt(b, v, math.MinInt8, math.MaxInt8)
	case *array.Uint64Builder:
		return appendUint(b, v, math.MaxUint64)
	case *array.Uint32Builder:
		return appendUint(b, v, math.MaxUint32)
	case *array.Uint16Builder:
		return appendUint(b, v, math.MaxUint16)
	case *array.Uint8Builder:
		return appendUint(b, v, math.MaxUint8)
	case *array.Float64Builder:
		x, ok := v.(float64)
		if ok {
			b.Append(x)
		}
		return ok
	case *array.Float32Builder:
		x, ok := v.(float64)
		if ok {
			b.Append(float32(x))
		}
		return ok
	case *array.StringBuilder:
		x, ok := v.(string)
		if ok {
			b.Append(validUTF8(x))
		}
		return ok
	case *array.BinaryBuilder:
		x, ok := v.([]byte)
		if ok {
			b.Append(x)
		}
		return ok
	case *array.FixedSizeBinaryBuilder:
		x, ok := v.([]byte)
		if ok = ok && len(x) == b.Type().(*arrow.FixedSizeBinaryType).ByteWidth; ok {
			b.Append(x)
		}
		return ok
	}
	return appendTemporal(b, v)
}

// appendInt appends v, an int64 within [lo, hi], to an integer builder.
func appendInt[T int8 | int16 | int32 | int64](b interface{ Append(T) }, v any, lo, hi int64) bool {
	x, ok := v.(int64)
	if ok = ok && x >= lo && x <= hi; ok {
		b.Append(T(x))
	}
	return ok
}

// appendUint appends v, a uint64 at most hi, to an unsigned builder.
func appendUint[T uint8 | uint16 | uint32 | uint64](b interface{ Append(T) }, v any, hi uint64) bool {
	x, ok := v.(uint64)
	if ok = ok && x <= hi; ok {
		b.Append(T(x))
	}
	return ok
}

// appendTemporal appends times, dates, times of day and decimals, then
// nested values.
func appendTemporal(b array.Builder, v any) bool {
	switch b := b.(type) {
	case *array.TimestampBuilder:
		x, ok := v.(time.Time)
		if !ok {
			return false
		}
		ts, err := arrow.TimestampFromTime(x, b.Type().(*arrow.TimestampType).Unit)
		if err != nil {
			return false
		}
		b.Append(ts)
		return true
	case *array.Date32Builder:
		x, ok := v.(time.Time)
		if ok {
			b.Append(arrow.Date32FromTime(x))
		}
		return ok
	case *array.Date64Builder:
		x, ok := v.(time.Time)
		if ok {
			b.Append(arrow.Date64FromTime(x))
		}
		return ok
	case *array.Time32Builder:
		x, ok := v.(time.Duration)
		if ok = ok && x >= 0 && x < 24*time.Hour; ok {
			b.Append(arrow.Time32(x / b.Type().(*arrow.Time32Type).Unit.Multiplier()))
		}
		return ok
	case *array.Time64Builder:
		x, ok := v.(time.Duration)
		if ok = ok && x >= 0 && x < 24*time.Hour; ok {
			b.Append(arrow.Time64(x / b.Type().(*arrow.Time64Type).Unit.Multiplier()))
		}
		return ok
	case *array.Decimal128Builder:
		t := b.Type().(*arrow.Decimal128Type)
		if r, isRat := v.(*big.Rat); isRat && r != nil {
			if n, fits, fast := schema.ScaleDecimal64(r, t.Precision, t.Scale); fast {
				if fits {
					b.Append(decimal128.FromI64(n))
				}
				return fits
			}
		}
		n, ok := scaled(v, t.Precision, t.Scale)
		if ok {
			b.Append(decimal128.FromBigInt(n))
		}
		return ok
	case *array.Decimal256Builder:
		t := b.Type().(*arrow.Decimal256Type)
		n, ok := scaled(v, t.Precision, t.Scale)
		if ok {
			b.Append(decimal256.FromBigInt(n))
		}
		return ok
	}
	return appendNested(b, v)
}

// appendNested appends structs, lists and maps.
func appendNested(b array.Builder, v any) bool {
	switch b := b.(type) {
	case *array.StructBuilder:
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		b.Append(true)
		t := b.Type().(*arrow.StructType)
		for i, f := range t.Fields() {
			appendGo(b.FieldBuilder(i), m[f.Name])
		}
		return true
	case *array.ListBuilder:
		return appendList(b, b.ValueBuilder(), v)
	case *array.LargeListBuilder:
		return appendList(b, b.ValueBuilder(), v)
	case *array.MapBuilder:
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		b.Append(true)
		kb, ib := b.KeyBuilder(), b.ItemBuilder()
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys) // deterministic bytes whatever the map's order
		for _, k := range keys {
			if !appendNonNull(kb, k) {
				kb.AppendNull()
			}
			appendGo(ib, m[k])
		}
		return true
	}
	return false
}

// listBuilder is what list builders of every width share.
type listBuilder interface {
	Append(bool)
}

func appendList(b listBuilder, items array.Builder, v any) bool {
	xs, ok := v.([]any)
	if !ok {
		return false
	}
	b.Append(true)
	for _, x := range xs {
		appendGo(items, x)
	}
	return true
}

// scaled returns v (a *big.Rat) times 10^scale as an integer, when it is
// exact and has at most precision digits.
func scaled(v any, precision, scale int32) (*big.Int, bool) {
	r, ok := v.(*big.Rat)
	if !ok || r == nil {
		return nil, false
	}
	return schema.ScaleDecimal(r, precision, scale)
}
