package parse

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/sluicehq/sluice/conf"
)

// RegexOptions are the options of the regex parser (Secor's
// RegexMessageParser):
//
//	parser: {type: regex, options: {pattern: '^(?P<ip>\S+) \S+ \S+ \[(?P<ts>[^\]]+)\] "(?P<request>[^"]*)"'}}
type RegexOptions struct {
	// Pattern is an RE2 regular expression (Go's regexp syntax) with at
	// least one named group, (?P<name>...) or (?<name>...). Each named
	// group that takes part in the match becomes a field of that name; a
	// group that does not take part is left out. A value the pattern does
	// not match is rejected. The pattern may match anywhere in the value:
	// anchor it with ^ and $ to match whole lines. Required.
	Pattern string `yaml:"pattern"`
}

// Validate reports every problem of the options: a pattern that does not
// compile, has no named group, or names two groups alike.
func (o *RegexOptions) Validate() error {
	var errs conf.Errors
	if _, _, err := compileRegex(o.Pattern); err != nil {
		errs.Add("pattern", err)
	}
	return errs.Err()
}

// compileRegex compiles the pattern and returns it with the names of its
// groups ("" for unnamed ones), checked.
func compileRegex(pattern string) (*regexp.Regexp, []string, error) {
	if pattern == "" {
		return nil, nil, fmt.Errorf("required (an RE2 pattern with named groups, (?P<name>...))")
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, nil, fmt.Errorf("compiling %q: %w", pattern, err)
	}
	names := re.SubexpNames()
	var seen []string
	for _, n := range names[1:] {
		if n == "" {
			continue
		}
		if slices.Contains(seen, n) {
			return nil, nil, fmt.Errorf("%q names the group %q twice", pattern, n)
		}
		seen = append(seen, n)
	}
	if len(seen) == 0 {
		return nil, nil, fmt.Errorf("%q has no named group (write (?P<name>...))", pattern)
	}
	return re, names, nil
}

// newRegex builds the regex parser.
func newRegex(o RegexOptions, _ Settings) (Parser, error) {
	re, names, err := compileRegex(o.Pattern)
	if err != nil {
		return nil, fmt.Errorf("%w: options.pattern: %w", ErrInvalidConfig, err)
	}
	return &textParser{name: TypeRegex, decode: func(line []byte) (map[string]any, error) {
		m := re.FindSubmatchIndex(line)
		if m == nil {
			return nil, fmt.Errorf("the value does not match %q", o.Pattern)
		}
		fields := make(map[string]any, len(names)-1)
		for i := 1; i < len(names); i++ {
			if names[i] != "" && m[2*i] >= 0 {
				fields[names[i]] = string(line[m[2*i]:m[2*i+1]])
			}
		}
		return fields, nil
	}}, nil
}
