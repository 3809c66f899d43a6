package partition

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidConfig is returned by New for a configuration it cannot use: an
// unknown granularity or zone, or a template that does not compile.
var ErrInvalidConfig = errors.New("invalid partition configuration")

// Granularities (Config.Granularity).
const (
	GranularityHour   = "hour"
	GranularityDay    = "day"
	GranularityMinute = "minute"
)

// defaultTemplates maps a granularity to its default template.
var defaultTemplates = map[string]string{
	GranularityHour:   "{topic}/dt={yyyy}-{MM}-{dd}/hr={HH}",
	GranularityDay:    "{topic}/dt={yyyy}-{MM}-{dd}",
	GranularityMinute: "{topic}/dt={yyyy}-{MM}-{dd}/hr={HH}/min={mm}",
}

// field is what a template segment writes. The time fields are ordered from
// coarse to fine: a template's finest one sets the span of its buckets.
type field int

const (
	literal field = iota
	fieldTopic
	fieldPartition
	fieldYear
	fieldMonth
	fieldDay
	fieldHour
	fieldMinute
)

var placeholders = map[string]field{
	"topic": fieldTopic, "partition": fieldPartition, "yyyy": fieldYear, "MM": fieldMonth,
	"dd": fieldDay, "HH": fieldHour, "mm": fieldMinute,
}

// segment is a piece of a compiled template: a literal text or a field.
type segment struct {
	f    field
	text string // for literal
}

// compile splits a template into segments, reporting every unknown
// placeholder at once, and rejects templates that are not a clean relative
// path. finest is the finest time field used (literal when none is).
func compile(tmpl string) (segs []segment, finest field, err error) {
	var unknown []string
	rest := tmpl
	for rest != "" {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			segs = append(segs, segment{text: rest})
			break
		}
		if rest[open] == '}' {
			return nil, 0, fmt.Errorf("template %q: unbalanced '}' at byte %d", tmpl, len(tmpl)-len(rest)+open)
		}
		if open > 0 {
			segs = append(segs, segment{text: rest[:open]})
		}
		closing := strings.IndexAny(rest[open+1:], "{}")
		if closing < 0 || rest[open+1+closing] == '{' {
			return nil, 0, fmt.Errorf("template %q: unbalanced '{' at byte %d", tmpl, len(tmpl)-len(rest)+open)
		}
		name := rest[open+1 : open+1+closing]
		if f, ok := placeholders[name]; ok {
			segs = append(segs, segment{f: f})
			finest = max(finest, f)
		} else if !slices.Contains(unknown, "{"+name+"}") {
			unknown = append(unknown, "{"+name+"}")
		}
		rest = rest[open+2+closing:]
	}
	if len(unknown) > 0 {
		return nil, 0, fmt.Errorf("template %q: unknown placeholder %s (known: {topic}, {partition}, {yyyy}, {MM}, {dd}, {HH}, {mm})",
			tmpl, strings.Join(unknown, ", "))
	}
	if err := checkPath(tmpl); err != nil {
		return nil, 0, fmt.Errorf("template %q: %w", tmpl, err)
	}
	if finest < fieldYear {
		finest = literal
	}
	return segs, finest, nil
}

// checkPath rejects templates whose directories would not be a clean
// relative path. Placeholders cannot add a slash or a dot segment: Kafka
// topic names are [a-zA-Z0-9._-] and never "." or "..", and the others are
// digits.
func checkPath(tmpl string) error {
	switch {
	case tmpl == "":
		return errors.New("empty")
	case strings.HasPrefix(tmpl, "/"):
		return errors.New("absolute path")
	case strings.HasSuffix(tmpl, "/"):
		return errors.New("trailing slash")
	case strings.Contains(tmpl, `\`):
		return errors.New("backslash")
	}
	for _, part := range strings.Split(tmpl, "/") {
		switch part {
		case "":
			return errors.New("empty path segment")
		case ".", "..":
			return fmt.Errorf("path segment %q", part)
		}
	}
	return nil
}

// appendDir appends the directory of topic/partition at local time t.
func appendDir(b []byte, segs []segment, topic string, partition int32, t time.Time) []byte {
	year, month, day := t.Date()
	hour, minute, _ := t.Clock()
	for _, s := range segs {
		switch s.f {
		case literal:
			b = append(b, s.text...)
		case fieldTopic:
			b = append(b, topic...)
		case fieldPartition:
			b = strconv.AppendInt(b, int64(partition), 10)
		case fieldYear:
			b = appendYear(b, year)
		case fieldMonth:
			b = append2(b, int(month))
		case fieldDay:
			b = append2(b, day)
		case fieldHour:
			b = append2(b, hour)
		case fieldMinute:
			b = append2(b, minute)
		}
	}
	return b
}

// appendYear writes a year with at least four digits ("0999", "2026",
// "12345"), a negative one with a leading minus ("-0044").
func appendYear(b []byte, year int) []byte {
	if year < 0 {
		b = append(b, '-')
		year = -year
	}
	for pad := 1000; pad > 1 && year < pad; pad /= 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(year), 10)
}

// append2 writes n, 0 to 99, with two digits.
func append2(b []byte, n int) []byte {
	return append(b, byte('0'+n/10), byte('0'+n%10))
}
