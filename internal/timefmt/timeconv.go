package timefmt

import (
	"math"
	"strconv"
	"time"
	"unsafe"
)

// MinUnix and MaxUnix bound the times read, in Unix seconds: years 1 to
// 9999, what RFC 3339 can write. Anything outside is taken for garbage
// rather than a time.
var (
	MinUnix = time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC).Unix()
	MaxUnix = time.Date(9999, time.December, 31, 23, 59, 59, 0, time.UTC).Unix()
)

// unit is a Unix time unit, as the number of units in one second.
type unit int64

const (
	seconds unit = 1
	millis  unit = 1e3
	micros  unit = 1e6
	nanos   unit = 1e9
)

// unitByMagnitude guesses the unit of a Unix time from its magnitude: below
// 1e11 seconds, below 1e14 milliseconds, below 1e17 microseconds, else
// nanoseconds. The magnitude is that of the integer part.
func unitByMagnitude(intPart uint64) unit {
	switch {
	case intPart < 1e11:
		return seconds
	case intPart < 1e14:
		return millis
	case intPart < 1e17:
		return micros
	default:
		return nanos
	}
}

// decimal is a number split at its decimal point: neg, the integer part and
// the first nine digits of the fraction, in units of 1e-9.
type decimal struct {
	neg  bool
	intg uint64
	frac uint64
}

// parseDecimal reads a JSON number (optionally with a fraction, without an
// exponent) exactly. ok is false when b is not such a number or its integer
// part does not fit in 63 bits; exp reports that b has an exponent, which the
// caller reads with parseFloat instead.
func parseDecimal(b []byte) (d decimal, exp, ok bool) {
	i := 0
	if i < len(b) && b[i] == '-' {
		d.neg = true
		i++
	}
	start := i
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if d.intg > (math.MaxInt64-9)/10 {
			return d, false, false
		}
		d.intg = d.intg*10 + uint64(b[i]-'0')
	}
	digits := i - start
	if digits == 0 || digits > 1 && b[start] == '0' {
		return d, false, false // no digits, or a leading zero
	}
	if i < len(b) && b[i] == '.' {
		i++
		fstart := i
		scale := uint64(1e8)
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			d.frac += uint64(b[i]-'0') * scale // digits past the ninth are dropped
			scale /= 10
		}
		if i == fstart {
			return d, false, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		return d, true, validExponent(b[i+1:])
	}
	return d, false, i == len(b)
}

// validExponent reports whether b is the part of a JSON number after "e".
func validExponent(b []byte) bool {
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// numberTime reads b, a JSON number or the text of a numeric string, as a
// Unix time in u units, or by magnitude when u is 0.
func numberTime(b []byte, u unit) (time.Time, error) {
	d, exp, ok := parseDecimal(b)
	if !ok {
		return time.Time{}, ErrUnparsable
	}
	if exp {
		return floatTime(b, u)
	}
	if u == 0 {
		u = unitByMagnitude(d.intg)
	}
	k := uint64(u)
	sec := d.intg / k
	nsec := (d.intg%k)*(1e9/k) + d.frac/k
	return unixTime(d.neg, sec, nsec)
}

// floatTime reads b, a number with an exponent, through float64: exact to
// about a microsecond for times of this era, which is all such input deserves.
func floatTime(b []byte, u unit) (time.Time, error) {
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(b), len(b)), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, ErrUnparsable
	}
	neg := f < 0
	f = math.Abs(f)
	if u == 0 {
		u = nanos
		if f < 1e17 {
			u = unitByMagnitude(uint64(f))
		}
	}
	s := f / float64(u)
	if s > float64(MaxUnix)+1 {
		return time.Time{}, ErrUnparsable
	}
	sec := math.Floor(s)
	nsec := math.Floor((s - sec) * 1e9)
	return unixTime(neg, uint64(sec), uint64(nsec))
}

// unixTime builds the UTC time sec.nsec seconds after (or, when neg, before)
// the Unix epoch, if it lies within [MinUnix, MaxUnix].
func unixTime(neg bool, sec, nsec uint64) (time.Time, error) {
	if nsec >= 1e9 {
		sec, nsec = sec+nsec/1e9, nsec%1e9
	}
	var s int64
	switch {
	case !neg && sec <= uint64(MaxUnix):
		s = int64(sec)
	case neg && (sec < uint64(-MinUnix) || sec == uint64(-MinUnix) && nsec == 0):
		s = -int64(sec)
		if nsec > 0 {
			s, nsec = s-1, 1e9-nsec
		}
	default:
		return time.Time{}, ErrUnparsable
	}
	return time.Unix(s, int64(nsec)).UTC(), nil
}
