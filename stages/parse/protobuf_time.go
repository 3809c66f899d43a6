package parse

import (
	"time"
)

// typedTimeUnits are the units of typedTime's time formats; 0 (auto) goes
// by magnitude.
var typedTimeUnits = map[string]unit{FormatUnixS: seconds, FormatUnixMS: millis, FormatUnixUS: micros,
	FormatUnixNS: nanos, FormatAuto: 0}

// typedTime reads an event time from a typed field value (model.Schema's
// Go values): a time.Time as it is, an integer as a Unix time in u units
// (by magnitude when u is 0), a string as RFC 3339. Times must lie within
// the years 1 to 9999.
func typedTime(v any, u unit) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		if s := v.Unix(); s < minUnix || s > maxUnix {
			return time.Time{}, ErrUnparsable
		}
		return v, nil
	case int64:
		neg := v < 0
		abs := uint64(v)
		if neg {
			abs = -abs
		}
		return intTime(neg, abs, u)
	case uint64:
		return intTime(false, v, u)
	case string:
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return time.Time{}, ErrUnparsable
		}
		if s := t.Unix(); s < minUnix || s > maxUnix {
			return time.Time{}, ErrUnparsable
		}
		return t, nil
	default:
		return time.Time{}, ErrWrongType
	}
}

// intTime is the Unix time abs (negated when neg) in u units.
func intTime(neg bool, abs uint64, u unit) (time.Time, error) {
	if u == 0 {
		u = unitByMagnitude(abs)
	}
	k := uint64(u)
	return unixTime(neg, abs/k, (abs%k)*(1e9/k))
}
