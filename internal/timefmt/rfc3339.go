package timefmt

import "time"

// rfc3339Time reads b as an RFC 3339 date-time ("2026-11-22T01:02:03Z",
// "2026-11-22T06:32:03.123456789+05:30"): with or without a fraction of a
// second (digits past the ninth are dropped), "T" or "t" between date and time,
// "Z", "z" or a numeric offset. It allocates nothing, unlike time.Parse, which
// builds a Location for every numeric offset. The result is in UTC.
func rfc3339Time(b []byte) (time.Time, error) {
	// Shortest form: "2006-01-02T15:04:05Z".
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[13] != ':' || b[16] != ':' ||
		(b[10] != 'T' && b[10] != 't') {
		return time.Time{}, ErrUnparsable
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	hour, ok4 := digits(b[11:13])
	minute, ok5 := digits(b[14:16])
	sec, ok6 := digits(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) ||
		month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, ErrUnparsable
	}
	rest := b[19:]
	nsec := 0
	if rest[0] == '.' {
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
	offset, ok := zoneOffset(rest)
	if !ok {
		return time.Time{}, ErrUnparsable
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC).
		Add(-time.Duration(offset) * time.Second)
	if u := t.Unix(); u < MinUnix || u > MaxUnix {
		return time.Time{}, ErrUnparsable
	}
	return t, nil
}

// zoneOffset reads the end of an RFC 3339 date-time: "Z", "z" or "±hh:mm",
// returning the offset east of UTC in seconds.
func zoneOffset(b []byte) (int, bool) {
	if len(b) == 1 && (b[0] == 'Z' || b[0] == 'z') {
		return 0, true
	}
	if len(b) != 6 || (b[0] != '+' && b[0] != '-') || b[3] != ':' {
		return 0, false
	}
	h, ok1 := digits(b[1:3])
	m, ok2 := digits(b[4:6])
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, false
	}
	off := h*3600 + m*60
	if b[0] == '-' {
		off = -off
	}
	return off, true
}

// digits reads b as an unsigned decimal number of len(b) digits.
func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// daysIn returns the number of days in month of year (proleptic Gregorian).
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	default:
		return 31
	}
}
