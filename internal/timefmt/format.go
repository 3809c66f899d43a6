package timefmt

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	_ "time/tzdata" // zones work on images without /usr/share/zoneinfo
)

// Time formats, as a configuration writes them.
const (
	// Auto reads numbers as Unix times by magnitude, strings as RFC 3339
	// or ISO 8601 when they look like a date, else as Unix numbers.
	Auto = "auto"
	// UnixS, UnixMS, UnixUS and UnixNS read numbers (and numeric strings)
	// as Unix seconds, milliseconds, microseconds or nanoseconds.
	UnixS  = "unix_s"
	UnixMS = "unix_ms"
	UnixUS = "unix_us"
	UnixNS = "unix_ns"
	// RFC3339 reads RFC 3339 strings only.
	RFC3339 = "rfc3339"
	// ISO8601 reads ISO 8601 date-times, with or without a zone:
	// "2026-11-22T01:02:03", "2026-11-22 01:02:03.5+01:00", "2026-11-22".
	// Times without a zone are read in the format's zone.
	ISO8601 = "iso8601"
	// Layout reads strings with a layout, Go's or Java's letters.
	Layout = "layout"
)

// Formats lists every format, in the order messages name them.
var Formats = []string{Auto, UnixS, UnixMS, UnixUS, UnixNS, RFC3339, ISO8601, Layout}

// units maps a numeric time format to the unit of its numbers.
var units = map[string]unit{UnixS: seconds, UnixMS: millis, UnixUS: micros, UnixNS: nanos}

// strKind is how a time format reads strings.
type strKind int

const (
	strAuto    strKind = iota // RFC 3339 or ISO 8601 when it looks like a date, else a Unix number
	strNumber                 // a Unix number in the format's unit
	strRFC3339                // RFC 3339 only
	strISO8601                // ISO 8601, zone optional
	strLayout                 // time.ParseInLocation with layout
)

// Format reads times written one way: numbers as Unix times in u units
// (by magnitude when u is 0, refused when u is -1), strings by str. Times
// written without a zone are read in loc. It is immutable and safe for
// concurrent use.
type Format struct {
	u      unit
	str    strKind
	layout string // Go layout, for strLayout
	zoned  bool   // the layout writes a zone
	loc    *time.Location
}

// New builds the reader of format ("" is Auto; layout for Layout, Go or
// Java letters) with zone (an IANA name, "" for UTC).
func New(format, layout, zone string) (*Format, error) {
	f := &Format{loc: time.UTC}
	switch format {
	case Auto, "":
	case UnixS, UnixMS, UnixUS, UnixNS:
		f.u, f.str = units[format], strNumber
	case RFC3339:
		f.u, f.str = -1, strRFC3339
	case ISO8601:
		f.u, f.str = -1, strISO8601
	case Layout:
		goLayout, err := GoLayout(layout)
		if err != nil {
			return nil, err
		}
		f.u, f.str, f.layout = -1, strLayout, goLayout
		f.zoned = strings.Contains(goLayout, "MST") || strings.Contains(goLayout, "-07") || strings.Contains(goLayout, "Z07")
	default:
		return nil, fmt.Errorf("unknown time format %q", format)
	}
	loc, err := LoadZone(zone)
	if err != nil {
		return nil, err
	}
	f.loc = loc
	return f, nil
}

// LoadZone loads an IANA zone from the zone database embedded in the
// binary (or the system's); "" is UTC, "Local" is refused since times
// read must not depend on the host.
func LoadZone(name string) (*time.Location, error) {
	switch name {
	case "", "UTC":
		return time.UTC, nil
	case "Local":
		return nil, fmt.Errorf(`zone "Local" depends on the host: name an IANA zone`)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	return loc, nil
}

// Value reads a field's value, as a parser decoded it: a time.Time as it
// is, integers, floats and json.Number as Unix times, strings by the
// format. nil is ErrMissing; other types are ErrWrongType.
func (f *Format) Value(v any) (time.Time, error) {
	switch v := v.(type) {
	case nil:
		return time.Time{}, ErrMissing
	case time.Time:
		if u := v.Unix(); u < MinUnix || u > MaxUnix {
			return time.Time{}, ErrUnparsable
		}
		return v, nil
	case string:
		return f.Text([]byte(v))
	case json.Number:
		return f.Number([]byte(v))
	case int64:
		return f.Number(strconv.AppendInt(nil, v, 10))
	case int:
		return f.Number(strconv.AppendInt(nil, int64(v), 10))
	case uint64:
		return f.Number(strconv.AppendUint(nil, v, 10))
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return time.Time{}, ErrUnparsable
		}
		return f.Number(strconv.AppendFloat(nil, v, 'e', -1, 64))
	default:
		return time.Time{}, ErrWrongType
	}
}

// Number reads b, the text of a number: ErrWrongType for a format that
// reads no numbers. It allocates nothing.
func (f *Format) Number(b []byte) (time.Time, error) {
	if f.u < 0 {
		return time.Time{}, ErrWrongType
	}
	return numberTime(b, f.u)
}

// Text reads s, the contents of a string. It allocates only for ISO 8601
// times without a numeric offset and for layouts.
func (f *Format) Text(s []byte) (time.Time, error) {
	switch f.str {
	case strNumber:
		return numberTime(s, f.u)
	case strRFC3339:
		return rfc3339Time(s)
	case strISO8601:
		return isoTime(s, f.loc)
	case strLayout:
		// A zone abbreviation ("PST") is looked up in the configured zone,
		// never the host's, so every host reads the same time; a time
		// without a zone is read as a wall clock and placed in the zone
		// below (inZone's rules for gaps and repeats).
		loc := time.UTC
		if f.zoned {
			loc = f.loc
		}
		t, err := time.ParseInLocation(f.layout, string(s), loc)
		if err != nil {
			return time.Time{}, ErrUnparsable
		}
		if !f.zoned {
			t = inZone(t, f.loc)
		}
		return inRange(t)
	}
	if len(s) >= 10 && s[4] == '-' {
		if t, err := rfc3339Time(s); err == nil {
			return t, nil
		}
		return isoTime(s, f.loc)
	}
	return numberTime(s, 0)
}

// inRange returns t in UTC if it lies within the years 1 to 9999.
func inRange(t time.Time) (time.Time, error) {
	if u := t.Unix(); u < MinUnix || u > MaxUnix {
		return time.Time{}, ErrUnparsable
	}
	return t.UTC(), nil
}

// isoTime reads an ISO 8601 date-time in its extended form: a date
// "YYYY-MM-DD", optionally followed by 'T' or ' ' and "hh:mm", ":ss",
// a fraction ('.' or ','), then optionally a zone: "Z", "±hh", "±hhmm" or
// "±hh:mm". Without a zone the wall clock is read in loc; a wall clock that
// a daylight-saving change skips or repeats is resolved as time.Date does
// as inZone does.
func isoTime(b []byte, loc *time.Location) (time.Time, error) {
	if len(b) < 10 || b[4] != '-' || b[7] != '-' {
		return time.Time{}, ErrUnparsable
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	if !(ok1 && ok2 && ok3) || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
		return time.Time{}, ErrUnparsable
	}
	var hour, minute, sec, nsec int
	rest := b[10:]
	if len(rest) > 0 && (rest[0] == 'T' || rest[0] == 't' || rest[0] == ' ') {
		if len(rest) < 6 || rest[3] != ':' {
			return time.Time{}, ErrUnparsable
		}
		var ok4, ok5 bool
		hour, ok4 = digits(rest[1:3])
		minute, ok5 = digits(rest[4:6])
		if !ok4 || !ok5 || hour > 23 || minute > 59 {
			return time.Time{}, ErrUnparsable
		}
		rest = rest[6:]
		if len(rest) >= 3 && rest[0] == ':' {
			var ok bool
			if sec, ok = digits(rest[1:3]); !ok || sec > 59 {
				return time.Time{}, ErrUnparsable
			}
			rest = rest[3:]
			if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
				i, scale := 1, 100_000_000
				for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
					nsec += int(rest[i]-'0') * scale
					scale /= 10
				}
				if i == 1 {
					return time.Time{}, ErrUnparsable
				}
				rest = rest[i:]
			}
		}
	}
	if len(rest) == 0 {
		return inRange(inZone(time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC), loc))
	}
	offset, ok := isoOffset(rest)
	if !ok {
		return time.Time{}, ErrUnparsable
	}
	return inRange(time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC).
		Add(-time.Duration(offset) * time.Second))
}

// inZone reads the wall clock of wall (a time in UTC) in loc. A wall clock
// that a change of offset repeats (daylight saving ends) is the earlier of
// its instants; one that a change skips (daylight saving starts) is read
// with the offset before the change, so it lands after the change as far as
// the clock jumped. These are java.time's rules, and they hold whatever
// time.Date would choose.
func inZone(wall time.Time, loc *time.Location) time.Time {
	if loc == time.UTC {
		return wall
	}
	var best time.Time
	found := false
	for _, probe := range []time.Duration{-24 * time.Hour, 0, 24 * time.Hour} {
		_, off := wall.Add(probe).In(loc).Zone()
		c := wall.Add(-time.Duration(off) * time.Second)
		if _, o := c.In(loc).Zone(); o == off && (!found || c.Before(best)) {
			best, found = c, true
		}
	}
	if !found {
		_, off := wall.Add(-24 * time.Hour).In(loc).Zone()
		best = wall.Add(-time.Duration(off) * time.Second)
	}
	return best
}

// isoOffset reads an ISO 8601 zone designator: "Z", "±hh", "±hhmm" or
// "±hh:mm", returning the offset east of UTC in seconds.
func isoOffset(b []byte) (int, bool) {
	switch len(b) {
	case 1:
		return zoneOffset(b)
	case 6:
		return zoneOffset(b)
	case 3, 5:
	default:
		return 0, false
	}
	if b[0] != '+' && b[0] != '-' {
		return 0, false
	}
	h, ok := digits(b[1:3])
	m := 0
	if len(b) == 5 {
		var okm bool
		if m, okm = digits(b[3:5]); !okm {
			return 0, false
		}
	}
	if !ok || h > 23 || m > 59 {
		return 0, false
	}
	off := h*3600 + m*60
	if b[0] == '-' {
		off = -off
	}
	return off, true
}
