package recordexpr

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
)

// toJSON converts a CEL value to fields: a part of the value itself (an
// object or list read from it) is copied as it is, so its numbers keep
// their exact text (a number read alone arrives as CEL's int or double); values CEL made become JSON values (timestamps
// RFC 3339 strings, durations Go duration strings).
func toJSON(v ref.Val) (any, error) {
	switch x := v.Value().(type) {
	case map[string]any, []any, json.Number:
		return deepCopy(x), nil
	}
	switch x := v.(type) {
	case *types.Optional:
		if !x.HasValue() {
			return nil, nil
		}
		return toJSON(x.GetValue())
	case types.Null:
		return nil, nil
	case types.Bool:
		return bool(x), nil
	case types.Int:
		return json.Number(strconv.FormatInt(int64(x), 10)), nil
	case types.Uint:
		return json.Number(strconv.FormatUint(uint64(x), 10)), nil
	case types.Double:
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%v is not a JSON number", f)
		}
		b, err := json.Marshal(f)
		if err != nil {
			return nil, err
		}
		return json.Number(b), nil
	case types.String:
		return string(x), nil
	case types.Timestamp:
		return x.Time.UTC().Format(time.RFC3339Nano), nil
	case types.Duration:
		return x.Duration.String(), nil
	}
	if l, ok := v.(interface {
		Size() ref.Val
		Get(ref.Val) ref.Val
	}); ok && v.Type() == types.ListType {
		n := int(l.Size().(types.Int))
		out := make([]any, n)
		for i := range n {
			e, err := toJSON(l.Get(types.Int(i)))
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	}
	if v.Type() == types.MapType {
		native, err := v.ConvertToNative(mapType)
		if err != nil {
			return nil, err
		}
		m := native.(map[string]any)
		for k, e := range m {
			ev, err := toJSON(types.DefaultTypeAdapter.NativeToValue(e))
			if err != nil {
				return nil, err
			}
			m[k] = ev
		}
		return m, nil
	}
	if e, ok := v.(*types.Err); ok {
		return nil, e
	}
	return nil, fmt.Errorf("a %s cannot be stored in JSON", v.Type().(ref.Type).TypeName())
}

var mapType = reflect.TypeFor[map[string]any]()

// deepCopy copies objects and lists so that a field set from another does
// not share it (a later drop or redact of one must not change the other).
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}
