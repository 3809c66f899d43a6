package schema

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/model"

	"github.com/valyala/fastjson"
)

// ErrNotObject is returned (wrapped) by FromJSON for a value that is not a
// JSON object: model.ErrNotObject, what Record.Fields says of one.
var ErrNotObject = model.ErrNotObject

// parsers and arenas are pooled per call: Declared is shared by every
// partition's goroutine.
var (
	parsers fastjson.ParserPool
	arenas  fastjson.ArenaPool
)

// FromJSON decodes a JSON object value into the schema's typed fields (Go
// values as model.Schema lists them). Fields the schema does not declare
// are left out. It fails, naming the field, for a value that does not fit.
func (d *Declared) FromJSON(value []byte) (map[string]any, error) {
	p := parsers.Get()
	defer parsers.Put(p)
	v, err := p.ParseBytes(value)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotObject, err)
	}
	if v.Type() != fastjson.TypeObject {
		return nil, fmt.Errorf("%w: a JSON %s", ErrNotObject, v.Type())
	}
	return d.fromObject(v)
}

// FromFields types fields a parser decoded without a schema (the text
// parsers' strings, or JSON fields: json.Number, string, bool, nil,
// map[string]any, []any; int64, float64 and time.Time too) by the schema.
// Strings convert to the declared type when their text is a value of it
// ("42" to an int64, "true" to a bool).
func (d *Declared) FromFields(fields map[string]any) (map[string]any, error) {
	a := arenas.Get()
	defer arenas.Put(a)
	v, err := toArena(a, fields, 0)
	if err != nil {
		return nil, err
	}
	return d.fromObject(v)
}

func (d *Declared) fromObject(v *fastjson.Value) (map[string]any, error) {
	out := make(map[string]any, len(d.fields))
	for _, f := range d.fields {
		x, err := f.convert(v.Get(f.path...))
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", strings.Join(f.path, "."), err)
		}
		if x != nil {
			out[f.name] = x
		}
	}
	return out, nil
}

// maxDepth bounds the nesting FromFields walks.
const maxDepth = 256

// toArena copies a Go value into an arena value.
func toArena(a *fastjson.Arena, v any, depth int) (*fastjson.Value, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("value nested deeper than %d", maxDepth)
	}
	switch x := v.(type) {
	case nil:
		return a.NewNull(), nil
	case string:
		return a.NewString(x), nil
	case json.Number:
		return a.NewNumberString(string(x)), nil
	case bool:
		if x {
			return a.NewTrue(), nil
		}
		return a.NewFalse(), nil
	case int64:
		return a.NewNumberString(strconv.FormatInt(x, 10)), nil
	case int:
		return a.NewNumberString(strconv.Itoa(x)), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%v is not a JSON number", x)
		}
		return a.NewNumberString(strconv.FormatFloat(x, 'g', -1, 64)), nil
	case time.Time:
		return a.NewString(x.Format(time.RFC3339Nano)), nil
	case map[string]any:
		o := a.NewObject()
		for _, k := range slices.Sorted(maps.Keys(x)) { // JSON text of a json field: the same for the same fields
			ev, err := toArena(a, x[k], depth+1)
			if err != nil {
				return nil, err
			}
			o.Set(k, ev)
		}
		return o, nil
	case []any:
		arr := a.NewArray()
		for i, e := range x {
			ev, err := toArena(a, e, depth+1)
			if err != nil {
				return nil, err
			}
			arr.SetArrayItem(i, ev)
		}
		return arr, nil
	}
	return nil, fmt.Errorf("a Go %T is not a field value", v)
}

// convert converts v (nil when missing) to the field's Go value.
func (f *field) convert(v *fastjson.Value) (any, error) {
	if v == nil || v.Type() == fastjson.TypeNull {
		if !f.nullable {
			return nil, errors.New("missing (the field is not nullable)")
		}
		return nil, nil
	}
	switch f.kind {
	case "bool":
		return convBool(v)
	case "int32", "int64":
		return f.convInt(v)
	case "float32", "float64":
		return convFloat(v)
	case "string":
		return convString(v)
	case "json":
		return string(v.MarshalTo(nil)), nil
	case "binary":
		s, err := v.StringBytes()
		if err != nil {
			return nil, fmt.Errorf("want a string for binary, have a JSON %s", v.Type())
		}
		return append([]byte{}, s...), nil
	case "timestamp", "date":
		return f.convTime(v)
	case "decimal":
		return f.convDecimal(v)
	}
	return f.convNested(v)
}

func (f *field) convNested(v *fastjson.Value) (any, error) {
	switch f.kind {
	case "struct":
		if v.Type() != fastjson.TypeObject {
			return nil, fmt.Errorf("want an object, have a JSON %s", v.Type())
		}
		out := make(map[string]any, len(f.children))
		for _, c := range f.children {
			x, err := c.convert(v.Get(c.name))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.name, err)
			}
			if x != nil {
				out[c.name] = x
			}
		}
		return out, nil
	case "list":
		arr, err := v.Array()
		if err != nil {
			return nil, fmt.Errorf("want an array, have a JSON %s", v.Type())
		}
		out := make([]any, len(arr))
		for i, e := range arr {
			if out[i], err = f.items.convert(e); err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return out, nil
	case "map":
		o, err := v.Object()
		if err != nil {
			return nil, fmt.Errorf("want an object, have a JSON %s", v.Type())
		}
		out := make(map[string]any, o.Len())
		o.Visit(func(k []byte, e *fastjson.Value) {
			if err != nil {
				return
			}
			var x any
			if x, err = f.values.convert(e); err != nil {
				err = fmt.Errorf("[%q]: %w", k, err)
				return
			}
			out[string(k)] = x
		})
		return out, err
	}
	return nil, fmt.Errorf("unknown type %q", f.kind)
}

// scalarText is a number's text or a string's contents.
func scalarText(v *fastjson.Value) (string, bool) {
	switch v.Type() {
	case fastjson.TypeNumber:
		return v.String(), true
	case fastjson.TypeString:
		s, _ := v.StringBytes()
		return strings.TrimSpace(string(s)), true
	}
	return "", false
}

func convBool(v *fastjson.Value) (any, error) {
	switch v.Type() {
	case fastjson.TypeTrue:
		return true, nil
	case fastjson.TypeFalse:
		return false, nil
	case fastjson.TypeString:
		s, _ := v.StringBytes()
		if b, err := strconv.ParseBool(string(s)); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("want a boolean, have %s", describe(v))
}

func (f *field) convInt(v *fastjson.Value) (any, error) {
	if v.Type() == fastjson.TypeNumber {
		if n, err := v.Int64(); err == nil && (f.kind == "int64" || (n >= math.MinInt32 && n <= math.MaxInt32)) {
			return n, nil // the common case, without copying the number's text
		}
	}
	text, ok := scalarText(v)
	if !ok {
		return nil, fmt.Errorf("want an integer, have %s", describe(v))
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		// 1e3 or 3.0 are integers too; 3.5 is not.
		r, ok := new(big.Rat).SetString(text)
		if !ok || !r.IsInt() || !r.Num().IsInt64() {
			return nil, fmt.Errorf("want an integer, have %s", describe(v))
		}
		n = r.Num().Int64()
	}
	if f.kind == "int32" && (n < math.MinInt32 || n > math.MaxInt32) {
		return nil, fmt.Errorf("%d does not fit in an int32", n)
	}
	return n, nil
}

func convFloat(v *fastjson.Value) (any, error) {
	text, ok := scalarText(v)
	if ok {
		if x, err := strconv.ParseFloat(text, 64); err == nil && !math.IsInf(x, 0) && !math.IsNaN(x) {
			return x, nil
		}
	}
	return nil, fmt.Errorf("want a number, have %s", describe(v))
}

func convString(v *fastjson.Value) (any, error) {
	switch v.Type() {
	case fastjson.TypeString:
		s, _ := v.StringBytes()
		return string(s), nil
	case fastjson.TypeNumber, fastjson.TypeTrue, fastjson.TypeFalse:
		return v.String(), nil
	}
	return nil, fmt.Errorf("want a string, have a JSON %s (declare type json to keep it as JSON text)", v.Type())
}

func (f *field) convDecimal(v *fastjson.Value) (any, error) {
	var raw []byte
	switch v.Type() {
	case fastjson.TypeNumber:
		var buf [40]byte
		raw = v.MarshalTo(buf[:0])
	case fastjson.TypeString:
		raw, _ = v.StringBytes()
	}
	if n, frac, fits := plainDecimal(raw, f.prec, f.scale); fits {
		return big.NewRat(n, pow10i64[frac]), nil // the common case, without parsing into big numbers
	}
	text, ok := scalarText(v)
	r, parsed := new(big.Rat).SetString(text)
	if !ok || !parsed {
		return nil, fmt.Errorf("want a decimal number, have %s", describe(v))
	}
	if _, fits := ScaleDecimal(r, f.prec, f.scale); !fits {
		return nil, fmt.Errorf("%s does not fit decimal(%d,%d)", text, f.prec, f.scale)
	}
	return r, nil
}

// plainDecimal reads text written as [-]digits[.digits] (no exponent) as
// n / 10^frac, when it fits decimal(precision, scale) and an int64: ok is
// false for anything else, which the caller reads the slow way.
func plainDecimal(text []byte, precision, scale int32) (n int64, frac int, ok bool) {
	i, neg := 0, false
	if i < len(text) && (text[i] == '-' || text[i] == '+') {
		neg = text[i] == '-'
		i++
	}
	intDigits, dot := 0, false
	start := i
	for ; i < len(text); i++ {
		c := text[i]
		switch {
		case c >= '0' && c <= '9':
			if n > (math.MaxInt64-9)/10 {
				return 0, 0, false
			}
			n = n*10 + int64(c-'0')
			if dot {
				frac++
			} else if n > 0 {
				intDigits++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return 0, 0, false
		}
	}
	if i == start || (dot && frac == 0) || frac > int(scale) || intDigits+int(scale) > int(precision) || frac >= len(pow10i64) {
		return 0, 0, false
	}
	if neg {
		n = -n
	}
	return n, frac, true
}

// pow10i64 holds 10^0 to 10^18, the powers that fit an int64.
var pow10i64 = func() []int64 {
	p := make([]int64, 19)
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// ScaleDecimal64 is ScaleDecimal without allocating, for the decimals
// whose numerator, denominator and result fit an int64 (fast is false for
// the others: call ScaleDecimal).
func ScaleDecimal64(r *big.Rat, precision, scale int32) (n int64, ok, fast bool) {
	num, den := r.Num(), r.Denom()
	if !num.IsInt64() || !den.IsInt64() || scale < 0 || int(scale) >= len(pow10i64) || precision > 18 {
		return 0, false, false
	}
	d, p := den.Int64(), pow10i64[scale]
	if p%d != 0 {
		return 0, false, true // more digits after the point than scale
	}
	q, x := p/d, num.Int64()
	if x > math.MaxInt64/q || x < -math.MaxInt64/q {
		return 0, false, false
	}
	n = x * q
	if n >= pow10i64[precision] || n <= -pow10i64[precision] {
		return 0, false, true
	}
	return n, true, true
}

// ScaleDecimal returns r times 10^scale as an integer, and whether r has
// at most scale digits after the point and precision digits in all: the
// unscaled value of r as decimal(precision, scale).
func ScaleDecimal(r *big.Rat, precision, scale int32) (*big.Int, bool) {
	if precision < 0 || scale < 0 || int(precision) >= len(pow10) || int(scale) >= len(pow10) {
		return nil, false
	}
	n := new(big.Int).Mul(r.Num(), pow10[scale])
	if !r.IsInt() {
		var rem big.Int
		n.QuoRem(n, r.Denom(), &rem)
		if rem.Sign() != 0 {
			return nil, false
		}
	}
	if n.CmpAbs(pow10[precision]) >= 0 {
		return nil, false
	}
	return n, true
}

// pow10 holds 10^0 to 10^76, the powers decimal128 and decimal256 need.
var pow10 = func() []*big.Int {
	p := make([]*big.Int, 77)
	p[0] = big.NewInt(1)
	for i := 1; i < len(p); i++ {
		p[i] = new(big.Int).Mul(p[i-1], big.NewInt(10))
	}
	return p
}()

// describe names v for an error, with a short excerpt.
func describe(v *fastjson.Value) string {
	s := v.String()
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return fmt.Sprintf("a JSON %s (%s)", v.Type(), s)
}
