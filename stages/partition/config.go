package partition

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sluicehq/sluice/conf"
)

// Config chooses the output partition (the object key's directory) of a
// record from its event time.
//
//	partitioner: {granularity: day, timezone: Europe/Berlin}
//	partitioner: {type: region, options: {field: region}}   # a registered one
type Config struct {
	// Type is the partitioner: "time" (the default: directories from the
	// event time, by the keys below) or one a program registered
	// (Register).
	Type string `yaml:"type"`
	// Options are the options of a registered partitioner, decoded and
	// validated by its Factory. The built-in takes its own keys below.
	Options conf.Options `yaml:"options,omitempty"`
	// Granularity is "hour" (default), "day" or "minute"; it picks the default
	// template.
	Granularity string `yaml:"granularity"`
	// Template is the directory of a record's file relative to the destination
	// prefix. Placeholders: {topic}, {partition}, {yyyy}, {MM}, {dd}, {HH}, {mm}
	// and record fields: {field:country}, nested {field:user.country}, with a
	// default for a missing, null, empty or non-scalar value
	// ({field:country|unknown}; without one, __HIVE_DEFAULT_PARTITION__).
	// Field values are written deterministically (strings as they are,
	// numbers in decimal, times in RFC 3339 UTC, bools as true/false), cut
	// at 128 bytes, and escaped like Hive's partition values ('/', '=',
	// '%', ':' and the like as %XX; "." and ".." as %2E).
	// Default by granularity: hour "{topic}/dt={yyyy}-{MM}-{dd}/hr={HH}",
	// day "{topic}/dt={yyyy}-{MM}-{dd}", minute "{topic}/dt={yyyy}-{MM}-{dd}/hr={HH}/min={mm}".
	Template string `yaml:"template"`
	// Timezone is the IANA zone event times are written in. Default "UTC".
	Timezone string `yaml:"timezone"`
}

// Granularities and the templates they default to.
var granularityTemplates = map[string]string{
	"hour":   "{topic}/dt={yyyy}-{MM}-{dd}/hr={HH}",
	"day":    "{topic}/dt={yyyy}-{MM}-{dd}",
	"minute": "{topic}/dt={yyyy}-{MM}-{dd}/hr={HH}/min={mm}",
}

// DefaultConfig returns the partitioner configuration used where the file
// sets none: hourly partitions in UTC. Template stays empty, meaning "the
// granularity's template" (see EffectiveTemplate), so that setting only
// granularity elsewhere (say in an override) changes the layout too.
func DefaultConfig() Config {
	return Config{Type: TypeTime, Granularity: "hour", Timezone: "UTC"}
}

// EffectiveTemplate is the template in force: Template, or when it is empty
// the granularity's default template ("" for an unknown granularity).
func (c Config) EffectiveTemplate() string {
	if c.Template != "" {
		return c.Template
	}
	return granularityTemplates[c.Granularity]
}

// Validate reports every problem of the configuration, each a
// *conf.FieldError naming its YAML path relative to the partitioner
// ("granularity", "template", "timezone", "options.field"). A registered
// partitioner's options are decoded and validated by its Factory. It only
// checks; it never fills in defaults.
func (c Config) Validate() error {
	var errs conf.Errors
	f, err := Lookup(c.typ())
	switch {
	case err != nil:
		errs.Addf("type", "unknown partitioner %q (want %s)", c.Type, strings.Join(Names(), ", "))
	default:
		_, err := c.options(f)
		errs.Nest("", err)
	}
	if _, ok := granularityTemplates[c.Granularity]; !ok {
		errs.Addf("granularity", "unknown granularity %q (want hour, day, minute)", c.Granularity)
	}
	if c.Template != "" {
		for _, err := range checkTemplate(c.Template) {
			errs.Add("template", err)
		}
	}
	switch c.Timezone {
	case "":
		errs.Addf("timezone", "required (an IANA zone such as UTC or Europe/Berlin)")
	case "Local":
		// Output paths must not depend on the host sluice runs on.
		errs.Addf("timezone", `"Local" depends on the host; name the zone (UTC, Europe/Berlin)`)
	default:
		if _, err := time.LoadLocation(c.Timezone); err != nil {
			errs.Addf("timezone", "unknown time zone %q", c.Timezone)
		}
	}
	return errs.Err()
}

// checkTemplate returns the problems of a template: unknown placeholders,
// unbalanced braces, a leading '/', empty or ".." path segments.
func checkTemplate(t string) []error {
	var errs []error
	rest := t
	for rest != "" {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			break
		}
		if rest[open] == '}' {
			errs = append(errs, fmt.Errorf("unbalanced '}' in %q", t))
			rest = rest[open+1:]
			continue
		}
		end := strings.IndexAny(rest[open+1:], "{}")
		if end < 0 || rest[open+1+end] == '{' {
			errs = append(errs, fmt.Errorf("unbalanced '{' in %q", t))
			rest = rest[open+1:]
			continue
		}
		name := rest[open+1 : open+1+end]
		if _, err := placeholder(name); errors.Is(err, errUnknownPlaceholder) {
			errs = append(errs, fmt.Errorf("unknown placeholder {%s} (want %s)", name, placeholderList))
		} else if err != nil {
			errs = append(errs, err)
		}
		rest = rest[open+1+end+1:]
	}
	if strings.HasPrefix(t, "/") {
		errs = append(errs, fmt.Errorf("%q starts with '/' (it is relative to the destination prefix)", t))
	} else if slices.Contains(strings.Split(t, "/"), "") {
		errs = append(errs, fmt.Errorf("%q has an empty path segment", t))
	}
	if slices.Contains(strings.Split(t, "/"), "..") {
		errs = append(errs, fmt.Errorf("%q has a '..' path segment", t))
	}
	return errs
}
