package partition

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/model"
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
	fieldRecord // a field of the record's value: {field:path|default}
)

var placeholders = map[string]field{
	"topic": fieldTopic, "partition": fieldPartition, "yyyy": fieldYear, "MM": fieldMonth,
	"dd": fieldDay, "HH": fieldHour, "mm": fieldMinute,
}

// segment is a piece of a compiled template: a literal text or a field.
type segment struct {
	f    field
	text string   // for literal; the escaped default for fieldRecord
	path []string // for fieldRecord
}

// fieldPrefix starts a placeholder of a record field: {field:user.country}
// or, with a default for missing values, {field:user.country|unknown}.
const fieldPrefix = "field:"

// placeholderList is the placeholders for messages.
const placeholderList = "{topic}, {partition}, {yyyy}, {MM}, {dd}, {HH}, {mm}, {field:name|default}"

// errUnknownPlaceholder is the problem of a name that is no placeholder.
var errUnknownPlaceholder = errors.New("unknown placeholder")

// placeholder compiles the placeholder written {name}.
func placeholder(name string) (segment, error) {
	if f, ok := placeholders[name]; ok {
		return segment{f: f}, nil
	}
	spec, ok := strings.CutPrefix(name, fieldPrefix)
	if !ok {
		return segment{}, errUnknownPlaceholder
	}
	path, def, hasDef := strings.Cut(spec, "|")
	keys := strings.Split(path, ".")
	switch {
	case path == "":
		return segment{}, fmt.Errorf("{%s} names no field (write {field:country} or {field:user.country|unknown})", name)
	case slices.Contains(keys, ""):
		return segment{}, fmt.Errorf("{%s}: field %q has an empty segment (write nested fields as a.b.c)", name, path)
	case hasDef && def == "":
		return segment{}, fmt.Errorf("{%s}: empty default (leave out '|' for %s)", name, DefaultFieldValue)
	case !hasDef:
		def = DefaultFieldValue
	}
	return segment{f: fieldRecord, path: keys, text: string(appendEscaped(nil, def))}, nil
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
		seg, err := placeholder(name)
		switch {
		case err == nil:
			segs = append(segs, seg)
			if seg.f != fieldRecord {
				finest = max(finest, seg.f)
			}
		case !errors.Is(err, errUnknownPlaceholder):
			return nil, 0, fmt.Errorf("template %q: %w", tmpl, err)
		case !slices.Contains(unknown, "{"+name+"}"):
			unknown = append(unknown, "{"+name+"}")
		}
		rest = rest[open+2+closing:]
	}
	if len(unknown) > 0 {
		return nil, 0, fmt.Errorf("template %q: unknown placeholder %s (known: %s)",
			tmpl, strings.Join(unknown, ", "), placeholderList)
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
// topic names are [a-zA-Z0-9._-] and never "." or "..", record fields are
// escaped (appendEscaped) and never empty, and the others are digits.
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

// appendDir appends the directory of topic/partition at local time t, with
// the record fields of fields (nil when there are none).
func appendDir(b []byte, segs []segment, topic string, partition int32, t time.Time, fields map[string]any) []byte {
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
		case fieldRecord:
			v, ok := model.Lookup(fields, s.path)
			b = appendFieldValue(b, v, ok, s.text)
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
