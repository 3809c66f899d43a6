package conf

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

var (
	// ErrUnknownField is returned for a key that names no configuration field.
	ErrUnknownField = errors.New("unknown field")
	// ErrDuplicateKey is returned for a key given twice in one mapping.
	ErrDuplicateKey = errors.New("key given twice")
)

var (
	unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
	durationType    = reflect.TypeFor[time.Duration]()
)

// Check walks the YAML tree rooted at n against t, the Go type the tree will
// be decoded into, and reports every key that names no field
// (ErrUnknownField) and every value that does not decode into its field's
// type, each as a FieldError with its path and line. Merge keys ("<<") and
// aliases are followed.
//
// yaml.Node.Decode has no strict mode (only yaml.Decoder has KnownFields), so
// a configuration decoded from nodes in several steps is checked with Check
// first; its errors also name the YAML path, which yaml's do not.
func Check(n *yaml.Node, t reflect.Type) error {
	var errs Errors
	check(n, t, "", &errs)
	return errs.Err()
}

func check(n *yaml.Node, t reflect.Type, path string, errs *Errors) {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.DocumentNode {
		for _, c := range n.Content {
			check(c, t, path, errs)
		}
		return
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // decodes to nothing: the field keeps its value
	}
	structured := t.Kind() == reflect.Struct || (t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8)
	if !structured || reflect.PointerTo(t).Implements(unmarshalerType) {
		checkLeaf(n, t, path, errs)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			errs.errs = append(errs.errs, &FieldError{Path: path, Line: n.Line, Err: fmt.Errorf("want a mapping, got %s", kind(n))})
			return
		}
		fields := yamlFields(t)
		seen := make(map[string]int, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.ShortTag() == "!!merge" {
				checkMerge(v, t, path, errs)
				continue
			}
			if line, ok := seen[k.Value]; ok {
				errs.errs = append(errs.errs, &FieldError{Path: Join(path, k.Value), Line: k.Line,
					Err: fmt.Errorf("%w (first at line %d)", ErrDuplicateKey, line)})
				continue
			}
			seen[k.Value] = k.Line
			ft, ok := fields[k.Value]
			if !ok {
				errs.errs = append(errs.errs, &FieldError{Path: Join(path, k.Value), Line: k.Line,
					Err: fmt.Errorf("%w (known: %s)", ErrUnknownField, strings.Join(slices.Sorted(maps.Keys(fields)), ", "))})
				continue
			}
			check(v, ft, Join(path, k.Value), errs)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			errs.errs = append(errs.errs, &FieldError{Path: path, Line: n.Line, Err: fmt.Errorf("want a list, got %s", kind(n))})
			return
		}
		for i, c := range n.Content {
			check(c, t.Elem(), Index(path, i), errs)
		}
	}
}

// checkMerge checks the value of a merge key: a mapping or a list of them.
func checkMerge(v *yaml.Node, t reflect.Type, path string, errs *Errors) {
	for v.Kind == yaml.AliasNode {
		v = v.Alias
	}
	if v.Kind == yaml.SequenceNode {
		for _, c := range v.Content {
			check(c, t, path, errs)
		}
		return
	}
	check(v, t, path, errs)
}

var lineRef = regexp.MustCompile(`^line \d+: `)

// checkLeaf decodes n into a new value of type t and reports the error.
func checkLeaf(n *yaml.Node, t reflect.Type, path string, errs *Errors) {
	err := n.Decode(reflect.New(t).Interface())
	if err == nil {
		return
	}
	if t == durationType && n.Kind == yaml.ScalarNode {
		errs.errs = append(errs.errs, &FieldError{Path: path, Line: n.Line,
			Err: fmt.Errorf("invalid duration %q (want a number with a unit such as 30s, 10m, 1h)", n.Value)})
		return
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, len(te.Errors))
		for i, m := range te.Errors {
			msgs[i] = lineRef.ReplaceAllString(m, "")
		}
		err = errors.New(strings.Join(msgs, "; "))
	}
	errs.errs = append(errs.errs, &FieldError{Path: path, Line: n.Line, Err: err})
}

// yamlFields maps the YAML keys of struct type t to their field types, the
// way yaml.v3 names them: the tag's name, else the lower-cased field name;
// ",inline" structs contribute their fields.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	fields := make(map[string]reflect.Type, t.NumField())
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if slices.Contains(strings.Split(opts, ","), "inline") && f.Type.Kind() == reflect.Struct {
			for k, v := range yamlFields(f.Type) {
				fields[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f.Type
	}
	return fields
}

// kind describes a node for error messages.
func kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return fmt.Sprintf("%s %q", strings.TrimPrefix(n.ShortTag(), "!!"), n.Value)
	}
}
