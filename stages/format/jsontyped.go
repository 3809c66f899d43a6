package format

import (
	"encoding/base64"
	"math"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// appendTypedRow appends row i of a typed file's batch as one JSON object
// and a newline: every column under its name, in schema order, with typed
// values:
//
//	null                  null
//	bool, ints, floats    JSON numbers and booleans (NaN and ±Inf as the
//	                      strings "NaN", "+Inf", "-Inf")
//	decimals              JSON numbers with the column's scale ("12.30")
//	strings               JSON strings
//	binary                standard base64 strings
//	timestamp             RFC 3339 strings in UTC with the column's precision
//	date                  "2006-01-02"; time of day "15:04:05.000000"
//	struct, map           objects (map keys as stored: sorted)
//	list                  arrays
func appendTypedRow(b []byte, batch arrow.RecordBatch, i int) []byte {
	b = append(b, '{')
	for c, f := range batch.Schema().Fields() {
		if c > 0 {
			b = append(b, ',')
		}
		b = appendString(b, f.Name)
		b = append(b, ':')
		b = appendJSONValue(b, batch.Column(c), i)
	}
	return append(b, "}\n"...)
}

// appendJSONValue appends value i of arr as JSON (see appendTypedRow).
func appendJSONValue(b []byte, arr arrow.Array, i int) []byte {
	if arr.IsNull(i) {
		return append(b, "null"...)
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return strconv.AppendBool(b, a.Value(i))
	case *array.Int8:
		return strconv.AppendInt(b, int64(a.Value(i)), 10)
	case *array.Int16:
		return strconv.AppendInt(b, int64(a.Value(i)), 10)
	case *array.Int32:
		return strconv.AppendInt(b, int64(a.Value(i)), 10)
	case *array.Int64:
		return strconv.AppendInt(b, a.Value(i), 10)
	case *array.Uint8:
		return strconv.AppendUint(b, uint64(a.Value(i)), 10)
	case *array.Uint16:
		return strconv.AppendUint(b, uint64(a.Value(i)), 10)
	case *array.Uint32:
		return strconv.AppendUint(b, uint64(a.Value(i)), 10)
	case *array.Uint64:
		return strconv.AppendUint(b, a.Value(i), 10)
	case *array.Float32:
		return appendFloat(b, float64(a.Value(i)), 32)
	case *array.Float64:
		return appendFloat(b, a.Value(i), 64)
	case *array.String:
		return appendString(b, validUTF8(a.Value(i)))
	case *array.Binary:
		return appendBase64String(b, a.Value(i))
	case *array.FixedSizeBinary:
		return appendBase64String(b, a.Value(i))
	case *array.Decimal128:
		return append(b, a.ValueStr(i)...)
	case *array.Decimal256:
		return append(b, a.ValueStr(i)...)
	}
	return appendJSONTemporal(b, arr, i)
}

// appendJSONTemporal appends times, dates and times of day, then nested
// values.
func appendJSONTemporal(b []byte, arr arrow.Array, i int) []byte {
	switch a := arr.(type) {
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		t := a.Value(i).ToTime(unit)
		b = append(b, '"')
		b = t.AppendFormat(b, timestampLayouts[unit])
		return append(b, '"')
	case *array.Date32:
		return appendQuoted(b, a.Value(i).ToTime().UTC().Format(time.DateOnly))
	case *array.Date64:
		return appendQuoted(b, a.Value(i).ToTime().UTC().Format(time.DateOnly))
	case *array.Time32:
		unit := a.DataType().(*arrow.Time32Type).Unit
		return appendQuoted(b, a.Value(i).ToTime(unit).Format("15:04:05.000000"))
	case *array.Time64:
		unit := a.DataType().(*arrow.Time64Type).Unit
		return appendQuoted(b, a.Value(i).ToTime(unit).Format("15:04:05.000000"))
	case *array.Struct:
		b = append(b, '{')
		t := a.DataType().(*arrow.StructType)
		for f := range a.NumField() {
			if f > 0 {
				b = append(b, ',')
			}
			b = appendString(b, t.Field(f).Name)
			b = append(b, ':')
			b = appendJSONValue(b, a.Field(f), i)
		}
		return append(b, '}')
	case *array.Map:
		start, end := a.ValueOffsets(i)
		keys, items := a.Keys(), a.Items()
		b = append(b, '{')
		for j := int(start); j < int(end); j++ {
			if j > int(start) {
				b = append(b, ',')
			}
			if k, ok := keys.(*array.String); ok {
				b = appendString(b, validUTF8(k.Value(j)))
			} else {
				b = appendString(b, keys.ValueStr(j))
			}
			b = append(b, ':')
			b = appendJSONValue(b, items, j)
		}
		return append(b, '}')
	case array.ListLike:
		start, end := a.ValueOffsets(i)
		b = append(b, '[')
		for j := start; j < end; j++ {
			if j > start {
				b = append(b, ',')
			}
			b = appendJSONValue(b, a.ListValues(), int(j))
		}
		return append(b, ']')
	}
	return appendString(b, validUTF8(arr.ValueStr(i)))
}

// timestampLayouts are RFC 3339 in UTC at each unit's precision.
var timestampLayouts = map[arrow.TimeUnit]string{
	arrow.Second:      "2006-01-02T15:04:05Z",
	arrow.Millisecond: "2006-01-02T15:04:05.000Z",
	arrow.Microsecond: "2006-01-02T15:04:05.000000Z",
	arrow.Nanosecond:  "2006-01-02T15:04:05.000000000Z",
}

func appendQuoted(b []byte, s string) []byte {
	return append(append(append(b, '"'), s...), '"')
}

func appendBase64String(b, v []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, v)
	return append(b, '"')
}

// appendFloat appends f as a JSON number, or NaN and the infinities as
// strings (JSON has no number for them).
func appendFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"+Inf"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Inf"`...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits)
}
