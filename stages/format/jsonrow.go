package format

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/valyala/fastjson"
)

// timestampLayout is RFC 3339 with milliseconds, always in UTC.
const timestampLayout = "2006-01-02T15:04:05.000Z"

// appendRow appends row i as one JSON object and a newline. Fields come in a
// fixed order; every byte string is written losslessly and unambiguously:
//
//	{"topic":"t","partition":0,"offset":42,"timestamp":"2026-11-22T01:02:03.456Z",
//	 "key":"k",                   key: text when valid UTF-8,
//	   or "key_base64":"...",     else standard base64; "key":null when absent
//	 "headers":[{"key":"h","value":"v"}],
//	                              in order, repeated keys kept; each value as
//	                              "value" (text) or "value_base64", a null header
//	                              value as "value":null
//	 "value":{...}                value: embedded as is when it is JSON that can
//	                              be embedded byte for byte (valid UTF-8, no line
//	                              breaks, no surrounding whitespace, not the literal
//	                              null), or "value_text":"..." when valid UTF-8,
//	                              or "value_base64":"..."; "value":null only for
//	                              a tombstone
//	}
func (c jsonCols) appendRow(b []byte, i int) []byte {
	b = appendHead(b, c.topic.Value(i), c.partition.Value(i), c.offset.Value(i), int64(c.timestamp.Value(i)))
	b = appendText(b, "key", c.key, i)
	b = append(b, `,"headers":[`...)
	start, end := c.headers.ValueOffsets(i)
	for j := int(start); j < int(end); j++ {
		b = appendHeader(b, j > int(start), c.hdrKey.Value(j), c.hdrValue.Value(j), c.hdrValue.IsNull(j))
	}
	b = append(b, "],"...)
	b = appendValue(b, c.value, i)
	return append(b, "}\n"...)
}

// appendHead opens a line with the record's topic, partition, offset and
// timestamp (Unix milliseconds), through the comma after them: what JSON
// lines and dead-letter lines begin with.
func appendHead(b []byte, topic string, partition int32, offset, tsMillis int64) []byte {
	b = append(b, `{"topic":`...)
	b = appendString(b, validUTF8(topic))
	b = append(b, `,"partition":`...)
	b = strconv.AppendInt(b, int64(partition), 10)
	b = append(b, `,"offset":`...)
	b = strconv.AppendInt(b, offset, 10)
	b = append(b, `,"timestamp":"`...)
	b = time.UnixMilli(tsMillis).UTC().AppendFormat(b, timestampLayout)
	return append(b, `",`...)
}

// appendHeader appends one header object (after a comma unless first).
func appendHeader(b []byte, comma bool, key string, value []byte, null bool) []byte {
	if comma {
		b = append(b, ',')
	}
	b = append(b, `{"key":`...)
	b = appendString(b, validUTF8(key))
	b = append(b, ',')
	b = appendTextBytes(b, "value", value, null)
	return append(b, '}')
}

// appendText appends `"name":"text"`, `"name_base64":"..."` or `"name":null`.
func appendText(b []byte, name string, arr *array.Binary, i int) []byte {
	return appendTextBytes(b, name, arr.Value(i), arr.IsNull(i))
}

func appendBase64(b []byte, name string, v []byte) []byte {
	b = append(append(append(b, '"'), name...), `_base64":"`...)
	b = base64.StdEncoding.AppendEncode(b, v)
	return append(b, '"')
}

// appendValue appends the record value (see appendRow).
func appendValue(b []byte, arr *array.Binary, i int) []byte {
	return appendValueBytes(b, arr.Value(i), arr.IsNull(i))
}

// embeddableJSON reports whether v can be embedded in a JSON line byte for
// byte and read back unchanged by a decoder that keeps raw values (such as
// encoding/json's RawMessage, which drops surrounding whitespace), and
// without being mistaken for a tombstone.
func embeddableJSON(v []byte) bool {
	if len(v) == 0 || isSpace(v[0]) || isSpace(v[len(v)-1]) || string(v) == "null" {
		return false
	}
	brackets := 0
	for _, c := range v {
		switch c {
		case '\n', '\r':
			return false
		case '[', '{':
			brackets++
		}
	}
	return utf8.Valid(v) && validJSONNested(v, brackets)
}

// maxFastNesting bounds the brackets a value may hold to be checked by
// fastjson, whose validator recurses once per nesting level; values with more
// are checked by encoding/json, which does not recurse but takes twice as
// long (BenchmarkValidJSON: 840 against 400 ns for a 200-byte event).
const maxFastNesting = 512

// validJSONNested reports whether v, which holds brackets '[' and '{' bytes
// (counted by the caller while it scans v anyway), is one JSON value, as
// encoding/json.Valid does.
func validJSONNested(v []byte, brackets int) bool {
	if brackets > maxFastNesting {
		return json.Valid(v)
	}
	return fastjson.ValidateBytes(v) == nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

const hexDigits = "0123456789abcdef"

// appendString appends s, which must be valid UTF-8, as a JSON string.
func appendString[T string | []byte](b []byte, s T) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
