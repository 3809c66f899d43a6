package partition

import (
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultFieldValue is the directory name of a field placeholder without a
// default whose field is missing, null, empty or not a scalar: Hive's name
// for a null partition value, which Hive, Spark, Trino and Athena read as
// NULL.
const DefaultFieldValue = "__HIVE_DEFAULT_PARTITION__"

// maxFieldBytes is the most bytes of a field's value a directory takes
// (before escaping); longer values are cut at a character boundary, so
// that an object key stays within the stores' 1,024 bytes.
const maxFieldBytes = 128

// appendFieldValue appends the directory name of a field's value v: its
// text (see formatValue), escaped (escapePathName), or def when the value
// is missing, null, not a scalar, or empty. def is already escaped.
func appendFieldValue(b []byte, v any, ok bool, def string) []byte {
	s, scalar := formatValue(v)
	if !ok || !scalar || s == "" {
		return append(b, def...)
	}
	if len(s) > maxFieldBytes {
		cut := maxFieldBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
		if cut == 0 { // no character boundary in reach: not text
			return append(b, def...)
		}
	}
	return appendEscaped(b, s)
}

// formatValue writes a scalar field value deterministically: strings as
// they are, integers in decimal, floats in the shortest decimal that reads
// back the same (no exponent below 1e21), json.Number as written, bools as
// true/false, times in RFC 3339 in UTC (nanoseconds when there are any),
// durations as Go writes them (1h2m3s), []byte as text, *big.Rat as a
// fraction ("3/2", "7" for integers). scalar is false for nil, maps,
// lists and other types.
func formatValue(v any) (s string, scalar bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return string(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case int:
		return strconv.Itoa(v), true
	case uint64:
		return strconv.FormatUint(v, 10), true
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return strconv.FormatFloat(v, 'g', -1, 64), true
		}
		if math.Abs(v) < 1e21 {
			return strconv.FormatFloat(v, 'f', -1, 64), true
		}
		return strconv.FormatFloat(v, 'g', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano), true
	case time.Duration:
		return v.String(), true
	case []byte:
		return string(v), true
	case *big.Rat:
		if v == nil {
			return "", false
		}
		return v.RatString(), true
	}
	return "", false
}

// appendEscaped appends s escaped as Hive's FileUtils.escapePathName does,
// so that a value is one path segment that query engines read back: the
// bytes 0x00-0x1F and 0x7F and the characters " # % ' * / : = ? \ ^ [ ] { }
// become %XX (upper-case hex), and so does every byte of s that is not
// valid UTF-8 (object keys must be UTF-8); "." and ".." become "%2E" and
// "%2E%2E". Other characters, non-ASCII letters included, stay.
func appendEscaped(b []byte, s string) []byte {
	if s == "." || s == ".." {
		return append(b, strings.Repeat("%2E", len(s))...)
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b = appendPercent(b, c)
			} else {
				b = append(b, s[i:i+n]...)
			}
			i += n
			continue
		}
		if needsEscape(c) {
			b = appendPercent(b, c)
		} else {
			b = append(b, c)
		}
		i++
	}
	return b
}

// needsEscape reports whether an ASCII byte is escaped in a path segment.
func needsEscape(c byte) bool {
	if c < 0x20 || c == 0x7F {
		return true
	}
	return strings.IndexByte(`"#%'*/:=?\^[]{}`, c) >= 0
}

// appendPercent appends %XX for c.
func appendPercent(b []byte, c byte) []byte {
	const hex = "0123456789ABCDEF"
	return append(b, '%', hex[c>>4], hex[c&15])
}
