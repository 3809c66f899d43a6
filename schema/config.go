package schema

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/internal/timefmt"
)

// Modes of a topic's schema section.
const (
	// ModeNone archives values as bytes (no section).
	ModeNone = ""
	// ModeDeclared types values by the declared fields.
	ModeDeclared = "declared"
	// ModeInfer types each file's values by the fields its records hold.
	ModeInfer = "infer"
)

// Config is a topic's "schema:" section: the string "infer", or the
// declared fields.
//
//	schema: infer
//	schema:
//	  fields:
//	    - {name: action, type: string, nullable: false}
//	    - {name: amount, type: decimal, precision: 12, scale: 2, path: payload.amount}
//	    - {name: at, type: timestamp, unit: ms, format: rfc3339}
//	    - {name: user, type: struct, fields: [{name: id, type: int64}, {name: country, type: string}]}
//	    - {name: tags, type: list, items: {type: string}}
//	    - {name: attrs, type: map, values: {type: string}}
type Config struct {
	// Mode is ModeNone, ModeDeclared or ModeInfer; set from the YAML.
	Mode string `yaml:"-"`
	// Fields are the declared fields, in column order.
	Fields []Field `yaml:"fields"`
}

// Field declares one field of a value.
type Field struct {
	// Name is the column's name: letters, digits and _, not starting with
	// a digit.
	Name string `yaml:"name"`
	// Type is bool, int32, int64, float32, float64, string, binary,
	// timestamp, date, decimal, struct, list, map, or json (any JSON value,
	// kept as its JSON text in a string column).
	Type string `yaml:"type"`
	// Nullable says the field may be missing or null. Default true; a
	// record without a non-nullable field is dead-lettered.
	Nullable *bool `yaml:"nullable"`
	// Path is where the field is in the value, keys joined with dots
	// ("payload.amount"). Default: the name. Top-level fields only.
	Path string `yaml:"path"`
	// Unit is a timestamp's unit in the file: s, ms, us (default) or ns.
	Unit string `yaml:"unit"`
	// Format is how a timestamp or date is written in the value: auto
	// (default: numbers as Unix time by magnitude, strings as RFC 3339 or
	// ISO 8601 without zone), unix_s, unix_ms, unix_us, unix_ns, rfc3339,
	// iso8601 (no zone: in Zone) or layout (Layout).
	Format string `yaml:"format"`
	// Layout is a time layout for format layout: Go's ("02/01/2006 15:04")
	// or, when it holds "yy", Java's letters ("dd/MM/yyyy HH:mm").
	Layout string `yaml:"layout"`
	// Zone is the IANA zone of times written without one. Default UTC.
	Zone string `yaml:"zone"`
	// Precision and Scale size a decimal: at most Precision digits, Scale
	// of them after the point (1 ≤ precision ≤ 38, 0 ≤ scale ≤ precision).
	Precision int `yaml:"precision"`
	Scale     int `yaml:"scale"`
	// Fields are a struct's fields.
	Fields []Field `yaml:"fields"`
	// Items is a list's element; Values a map's value (keys are strings).
	Items  *Field `yaml:"items"`
	Values *Field `yaml:"values"`
}

// Field types as written in Field.Type.
var types = []string{"bool", "int32", "int64", "float32", "float64", "string", "binary",
	"timestamp", "date", "decimal", "struct", "list", "map", "json"}

var (
	units   = []string{"s", "ms", "us", "ns"}
	formats = timefmt.Formats
)

// UnmarshalYAML reads "infer" or a mapping of fields.
func (c *Config) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		switch n.Value {
		case ModeInfer:
			*c = Config{Mode: ModeInfer}
		case "", "none", "null", "~":
			*c = Config{}
		default:
			return fmt.Errorf("line %d: schema: %q is neither \"infer\" nor a mapping of fields", n.Line, n.Value)
		}
		return nil
	}
	type plain Config
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*c = Config(p)
	c.Mode = ModeDeclared
	return nil
}

// MarshalYAML writes the section back ("infer", or the fields).
func (c Config) MarshalYAML() (any, error) {
	if c.Mode == ModeInfer {
		return ModeInfer, nil
	}
	type plain Config
	return plain(c), nil
}

// IsZero reports an absent section.
func (c Config) IsZero() bool { return c.Mode == ModeNone && len(c.Fields) == 0 }

// Validate reports every problem, each a *conf.FieldError with its path
// relative to the section ("fields[2].precision").
func (c Config) Validate() error {
	var errs conf.Errors
	if c.Mode == ModeDeclared && len(c.Fields) == 0 {
		errs.Addf("fields", "declare at least one field (or write schema: infer)")
	}
	validateFields(&errs, "fields", c.Fields, true)
	return errs.Err()
}

func validateFields(errs *conf.Errors, path string, fields []Field, top bool) {
	seen := map[string]bool{}
	for i, f := range fields {
		p := conf.Index(path, i)
		if seen[strings.ToLower(f.Name)] {
			errs.Addf(p+".name", "%q is declared twice", f.Name)
		}
		seen[strings.ToLower(f.Name)] = true
		validateField(errs, p, f, true, top)
	}
}

func validateField(errs *conf.Errors, p string, f Field, named, top bool) {
	switch {
	case named && f.Name == "":
		errs.Addf(p+".name", "required")
	case named && !validName(f.Name):
		errs.Addf(p+".name", "%q is not a column name (letters, digits and _, not starting with a digit)", f.Name)
	}
	if !slices.Contains(types, f.Type) {
		errs.Addf(p+".type", "unknown type %q (want %s)", f.Type, strings.Join(types, ", "))
		return
	}
	if f.Path != "" && (!top || slices.Contains(strings.Split(f.Path, "."), "")) {
		errs.Addf(p+".path", "%q: a path is a top-level field's, keys joined with dots", f.Path)
	}
	if f.Unit != "" && (f.Type != "timestamp" || !slices.Contains(units, f.Unit)) {
		errs.Addf(p+".unit", "%q: a timestamp's unit is one of %s", f.Unit, strings.Join(units, ", "))
	}
	temporal := f.Type == "timestamp" || f.Type == "date"
	if f.Format != "" && (!temporal || !slices.Contains(formats, f.Format)) {
		errs.Addf(p+".format", "%q: a timestamp's or date's format is one of %s", f.Format, strings.Join(formats, ", "))
	}
	if (f.Format == "layout") != (f.Layout != "") {
		errs.Addf(p+".layout", "a layout goes with format: layout, and format: layout needs one")
	} else if f.Layout != "" {
		if _, err := timefmt.GoLayout(f.Layout); err != nil {
			errs.Add(p+".layout", err)
		}
	}
	if f.Zone != "" {
		if _, err := timefmt.LoadZone(f.Zone); err != nil || !temporal {
			errs.Addf(p+".zone", "%q: a timestamp's or date's IANA zone (e.g. Europe/Paris)", f.Zone)
		}
	}
	if f.Type == "decimal" {
		if f.Precision < 1 || f.Precision > 38 {
			errs.Addf(p+".precision", "%d: a decimal's precision is 1 to 38", f.Precision)
		}
		if f.Scale < 0 || f.Scale > f.Precision {
			errs.Addf(p+".scale", "%d: a decimal's scale is 0 to its precision", f.Scale)
		}
	} else if f.Precision != 0 || f.Scale != 0 {
		errs.Addf(p+".precision", "precision and scale size a decimal only")
	}
	validateNested(errs, p, f)
}

func validateNested(errs *conf.Errors, p string, f Field) {
	if (f.Type == "struct") != (len(f.Fields) > 0) {
		errs.Addf(p+".fields", "a struct declares its fields, and only a struct has fields")
	}
	validateFields(errs, p+".fields", f.Fields, false)
	if (f.Type == "list") != (f.Items != nil) {
		errs.Addf(p+".items", "a list declares its items, and only a list has items")
	} else if f.Items != nil {
		validateField(errs, p+".items", *f.Items, false, false)
	}
	if (f.Type == "map") != (f.Values != nil) {
		errs.Addf(p+".values", "a map declares its values, and only a map has values")
	} else if f.Values != nil {
		validateField(errs, p+".values", *f.Values, false, false)
	}
}

// validName reports whether s is a column name engines take unquoted.
func validName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
