package schema

import (
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicehq/sluice/internal/timefmt"
	"github.com/sluicehq/sluice/model"
)

// Check reports, naming the field, the first of fields that does not hold
// the Go value its Arrow type in s calls for (see model.Schema), or that is
// missing though not nullable. A record that passes appends to its file's
// columns exactly; the pipeline checks every typed record before the
// buffer and dead-letters those that fail.
func Check(s *model.Schema, fields map[string]any) error {
	for _, f := range s.Fields {
		if err := checkValue(f.Type, f.Nullable, fields[f.Name], 0); err != nil {
			return fmt.Errorf("field %s: %w", f.Name, err)
		}
	}
	return nil
}

func checkValue(t arrow.DataType, nullable bool, v any, depth int) error {
	if v == nil {
		if !nullable {
			return fmt.Errorf("missing (the field is not nullable)")
		}
		return nil
	}
	if depth > maxDepth {
		return fmt.Errorf("nested deeper than %d", maxDepth)
	}
	if want, ok := checkScalar(t, v); ok {
		if want == "" {
			return nil
		}
		return fmt.Errorf("a %s column takes %s, not a Go %T", t, want, v)
	}
	return checkNested(t, v, depth)
}

// checkScalar checks v against a non-nested type t: ok is false for a
// nested t; want is "" when v fits, else what t takes.
func checkScalar(t arrow.DataType, v any) (want string, ok bool) {
	fits := func(b bool, w string) (string, bool) {
		if b {
			return "", true
		}
		return w, true
	}
	switch t := t.(type) {
	case *arrow.BooleanType:
		_, b := v.(bool)
		return fits(b, "a bool")
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Int64Type:
		n, b := v.(int64)
		bits := t.(arrow.FixedWidthDataType).BitWidth()
		return fits(b && n >= -1<<(bits-1) && n <= 1<<(bits-1)-1, fmt.Sprintf("an int64 within %d bits", bits))
	case *arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type, *arrow.Uint64Type:
		n, b := v.(uint64)
		bits := t.(arrow.FixedWidthDataType).BitWidth()
		return fits(b && (bits == 64 || n < 1<<bits), fmt.Sprintf("a uint64 within %d bits", bits))
	case *arrow.Float32Type, *arrow.Float64Type:
		_, b := v.(float64)
		return fits(b, "a float64")
	case *arrow.StringType:
		_, b := v.(string)
		return fits(b, "a string")
	case *arrow.BinaryType, *arrow.LargeBinaryType:
		_, b := v.([]byte)
		return fits(b, "a []byte")
	case *arrow.FixedSizeBinaryType:
		x, b := v.([]byte)
		return fits(b && len(x) == t.ByteWidth, fmt.Sprintf("a []byte of %d bytes", t.ByteWidth))
	case *arrow.TimestampType, *arrow.Date32Type, *arrow.Date64Type:
		x, b := v.(time.Time)
		ok := b && x.Unix() >= timefmt.MinUnix && x.Unix() <= timefmt.MaxUnix
		if ts, isTS := t.(*arrow.TimestampType); ok && isTS && ts.Unit == arrow.Nanosecond {
			ok = x.Year() >= 1678 && x.Year() <= 2261 // int64 nanoseconds
		}
		return fits(ok, "a time.Time it can hold")
	case *arrow.Time32Type, *arrow.Time64Type:
		x, b := v.(time.Duration)
		return fits(b && x >= 0 && x < 24*time.Hour, "a time.Duration within a day")
	case *arrow.Decimal128Type:
		return checkDecimal(v, t.Precision, t.Scale)
	case *arrow.Decimal256Type:
		return checkDecimal(v, t.Precision, t.Scale)
	}
	return "", false
}

func checkDecimal(v any, precision, scale int32) (string, bool) {
	r, b := v.(*big.Rat)
	if b && r != nil {
		if _, fits, fast := ScaleDecimal64(r, precision, scale); fast {
			if fits {
				return "", true
			}
		} else if _, fits := ScaleDecimal(r, precision, scale); fits {
			return "", true
		}
	}
	return fmt.Sprintf("a *big.Rat that fits decimal(%d,%d)", precision, scale), true
}

func checkNested(t arrow.DataType, v any, depth int) error {
	switch t := t.(type) {
	case *arrow.StructType:
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("a struct takes a map[string]any, not a Go %T", v)
		}
		for _, f := range t.Fields() {
			if err := checkValue(f.Type, f.Nullable, m[f.Name], depth+1); err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
		}
		return nil
	case *arrow.MapType:
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("a map takes a map[string]any, not a Go %T", v)
		}
		if _, ok := t.KeyType().(*arrow.StringType); !ok {
			return fmt.Errorf("map keys of type %s are not supported (keys are strings)", t.KeyType())
		}
		var bad []string // keys of values that do not fit: the first named, sorted, not the first met
		for k, e := range m {
			if checkValue(t.ItemType(), t.ItemField().Nullable, e, depth+1) != nil {
				bad = append(bad, k)
			}
		}
		if len(bad) > 0 {
			k := slices.Min(bad)
			return fmt.Errorf("[%q]: %w", k, checkValue(t.ItemType(), t.ItemField().Nullable, m[k], depth+1))
		}
		return nil
	case arrow.ListLikeType:
		xs, ok := v.([]any)
		if !ok {
			return fmt.Errorf("a list takes a []any, not a Go %T", v)
		}
		if _, fixed := t.(*arrow.FixedSizeListType); fixed {
			return fmt.Errorf("fixed-size list columns are not supported")
		}
		ef := t.ElemField()
		for i, e := range xs {
			if err := checkValue(ef.Type, ef.Nullable, e, depth+1); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return nil
	}
	return fmt.Errorf("columns of type %s are not supported", t)
}
