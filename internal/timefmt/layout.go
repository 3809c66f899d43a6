package timefmt

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// GoLayout returns the Go layout of a "layout" time format. A layout
// holding "yy" is taken for Java's SimpleDateFormat (Secor's
// DateMessageParser writes "yyyy-MM-dd'T'HH:mm:ss") and converted; any
// other is a Go layout, written as the reference time
// "Mon Jan 2 15:04:05 MST 2006" would be ("2006-01-02 15:04:05.000").
// Either way the layout must write a full date: a time that reads back
// from its own formatting must keep its year, month and day.
func GoLayout(layout string) (string, error) {
	if layout == "" {
		return "", errors.New("format layout needs a layout")
	}
	goLayout := layout
	if strings.Contains(layout, "yy") {
		var err error
		if goLayout, err = javaLayout(layout); err != nil {
			return "", err
		}
	}
	ref := time.Date(2026, 11, 22, 13, 4, 5, 123456789, time.UTC)
	t, err := time.Parse(goLayout, ref.Format(goLayout))
	if err != nil || t.Year() != ref.Year() || t.YearDay() != ref.YearDay() {
		return "", fmt.Errorf("layout %q does not read back a date (Go: \"2006-01-02 15:04:05\"; Java: \"yyyy-MM-dd HH:mm:ss\")", layout)
	}
	return goLayout, nil
}

// javaLetters maps runs of SimpleDateFormat pattern letters to Go layout
// elements.
var javaLetters = map[string]string{
	"yyyy": "2006", "yy": "06",
	"MMMM": "January", "MMM": "Jan", "MM": "01", "M": "1",
	"dd": "02", "d": "2",
	"HH": "15", "H": "15",
	"hh": "03", "h": "3",
	"mm": "04", "m": "4",
	"ss": "05", "s": "5",
	"a":    "PM",
	"EEEE": "Monday", "EEE": "Mon",
	"z": "MST",
	"Z": "-0700",
	"X": "Z07", "XX": "Z0700", "XXX": "Z07:00",
}

// javaLayout converts a SimpleDateFormat pattern to a Go layout: the
// letters of javaLetters, S.. (fractions of a second, after '.' or ','),
// text in single quotes ("'T'") and ” for a quote. Other letters, and
// digits outside quotes (Go would read them as layout elements), are
// refused.
func javaLayout(p string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\'':
			end := strings.IndexByte(p[i+1:], '\'')
			if end < 0 {
				return "", fmt.Errorf("layout %q: unterminated quote", p)
			}
			if end == 0 {
				b.WriteByte('\'')
			} else {
				b.WriteString(p[i+1 : i+1+end])
			}
			i += end + 2
		case c >= '0' && c <= '9':
			return "", fmt.Errorf("layout %q: quote digits ('%c') in a Java layout", p, c)
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(p) && p[j] == c {
				j++
			}
			run := p[i:j]
			i = j
			if c == 'S' {
				if b.Len() == 0 || !strings.ContainsRune(".,", rune(b.String()[b.Len()-1])) {
					return "", fmt.Errorf("layout %q: fractions of a second (S) must follow '.' or ','", p)
				}
				b.WriteString(strings.Repeat("0", len(run)))
				continue
			}
			el, ok := javaLetters[run]
			if !ok {
				return "", fmt.Errorf("layout %q: unsupported pattern letters %q (supported: yyyy yy MMMM MMM MM M dd d HH H hh h mm m ss s S a EEEE EEE z Z X XX XXX)", p, run)
			}
			b.WriteString(el)
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), nil
}
