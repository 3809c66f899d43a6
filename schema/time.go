package schema

import (
	"fmt"
	"time"

	"github.com/valyala/fastjson"
)

// convTime reads a timestamp or date as the field's format says
// (internal/timefmt, as the parse stage reads event times).
func (f *field) convTime(v *fastjson.Value) (any, error) {
	var (
		t   time.Time
		err error
	)
	switch v.Type() {
	case fastjson.TypeNumber:
		var buf [40]byte
		t, err = f.tf.Number(v.MarshalTo(buf[:0]))
	case fastjson.TypeString:
		s, _ := v.StringBytes()
		t, err = f.tf.Text(s)
	default:
		return nil, fmt.Errorf("want a time, have %s", describe(v))
	}
	if err != nil {
		text, _ := scalarText(v)
		return nil, fmt.Errorf("%q is not a time in format %s (or is outside the years 1 to 9999)", excerpt(text), f.format)
	}
	if f.kind == "date" {
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	}
	return t.UTC(), nil
}

func excerpt(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
