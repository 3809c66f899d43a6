package conf

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

var (
	// ErrUnsetVariable is returned when a value refers to an environment
	// variable that is not set and gives no default.
	ErrUnsetVariable = errors.New("environment variable is not set")
	// ErrBadReference is returned for a malformed "${...}" reference.
	ErrBadReference = errors.New("malformed ${...} reference")
)

// LookupFunc finds the value of an environment variable; os.LookupEnv is one.
type LookupFunc func(name string) (string, bool)

var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ExpandEnv replaces environment references in every scalar of the YAML tree
// rooted at n, in place, before the tree is decoded:
//
//   - "${NAME}" is the value of NAME; NAME must be set (it may be empty);
//   - "${NAME:-default}" is the value of NAME, or default when NAME is unset
//     or empty;
//   - "$$" is a literal "$";
//   - any other "$" stays as it is, so regular expressions such as "^logs$"
//     need no escaping.
//
// Expanding values of the parsed tree, rather than the file's text, means a
// variable's value can never change the structure of the document (a value
// holding ": " or a newline stays one string), and references in comments
// are ignored. Every problem is reported as a FieldError with the value's
// path and line.
func ExpandEnv(n *yaml.Node, lookup LookupFunc) error {
	var errs Errors
	expandNode(n, "", lookup, &errs)
	return errs.Err()
}

func expandNode(n *yaml.Node, path string, lookup LookupFunc, errs *Errors) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			expandNode(c, path, lookup, errs)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			expandNode(c, Index(path, i), lookup, errs)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			expandNode(k, path, lookup, errs)
			expandNode(v, Join(path, k.Value), lookup, errs)
		}
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "$") {
			return
		}
		v, err := Expand(n.Value, lookup)
		if err != nil {
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				errs.errs = append(errs.errs, &FieldError{Path: path, Line: n.Line, Err: e})
			}
			return
		}
		n.Value = v
		const quoted = yaml.TaggedStyle | yaml.DoubleQuotedStyle | yaml.SingleQuotedStyle |
			yaml.LiteralStyle | yaml.FoldedStyle
		if n.Style&quoted == 0 {
			// A plain scalar's type follows its expanded value: "${PORT}"
			// may become the integer 9092.
			n.Tag = ""
		}
	case yaml.AliasNode:
		// The anchored node is expanded where it is defined; expanding it
		// again here would undo "$$" escapes.
	}
}

// Expand replaces environment references in one string, as ExpandEnv
// describes.
func Expand(s string, lookup LookupFunc) (string, error) {
	var b strings.Builder
	var errs []error
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 || i == len(s)-1 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			s = s[i+2:]
			continue
		case '{':
		default:
			b.WriteByte('$')
			s = s[i+1:]
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			errs = append(errs, fmt.Errorf("%w: %q has no closing brace", ErrBadReference, s[i:]))
			break
		}
		ref := s[i+2 : i+end]
		s = s[i+end+1:]
		v, err := resolve(ref, lookup)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		b.WriteString(v)
	}
	if len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	return b.String(), nil
}

func resolve(ref string, lookup LookupFunc) (string, error) {
	name, def, hasDef := strings.Cut(ref, ":-")
	if !varName.MatchString(name) {
		return "", fmt.Errorf("%w: %q is not a variable name (want ${NAME} or ${NAME:-default}; write $$ for a literal $)", ErrBadReference, name)
	}
	if strings.Contains(def, "${") {
		return "", fmt.Errorf("%w: nested reference in the default of ${%s}", ErrBadReference, ref)
	}
	v, ok := lookup(name)
	switch {
	case hasDef && v == "":
		return def, nil
	case !ok:
		return "", fmt.Errorf("%w: %s (set it or write ${%s:-default})", ErrUnsetVariable, name, name)
	default:
		return v, nil
	}
}
