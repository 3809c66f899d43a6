package schema

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicehq/sluice/internal/timefmt"
	"github.com/sluicehq/sluice/model"
)

// Declared is a compiled declared schema: the model.Schema every record
// decoded with it carries, and the conversions of its fields. It is
// immutable and safe for concurrent use.
type Declared struct {
	schema *model.Schema
	fields []*field
}

// field is a compiled Field.
type field struct {
	name     string
	path     []string // top-level fields: where the value is
	kind     string   // Field.Type
	nullable bool
	unit     arrow.TimeUnit
	format   string          // timestamps and dates: how they are written
	zone     string          // their zone's name
	tf       *timefmt.Format // reads them
	prec     int32
	scale    int32
	children []*field // struct
	items    *field   // list
	values   *field   // map
}

// Compile compiles a declared schema; cfg must be valid (Validate). Its
// ID is "declared:" and a hash of the declaration.
func Compile(cfg Config) (*Declared, error) { return CompileID(cfg, "") }

// CompileID is Compile with the schema ID id (e.g. "json_schema:7" for a
// Schema Registry id); "" means Compile's hash.
func CompileID(cfg Config, id string) (*Declared, error) {
	if cfg.Mode != ModeDeclared {
		return nil, fmt.Errorf("compiling schema: mode %q declares no fields", cfg.Mode)
	}
	d := &Declared{}
	arrowFields := make([]arrow.Field, 0, len(cfg.Fields))
	for _, f := range cfg.Fields {
		cf, af, err := compileField(f)
		if err != nil {
			return nil, fmt.Errorf("compiling schema: field %q: %w", f.Name, err)
		}
		cf.path = strings.Split(f.Name, ".")
		if f.Path != "" {
			cf.path = strings.Split(f.Path, ".")
		}
		d.fields = append(d.fields, cf)
		arrowFields = append(arrowFields, af)
	}
	// The id is a hash of the declaration: the same configuration gives
	// the same id in every process, a changed one another file.
	text, err := json.Marshal(cfg.Fields)
	if err != nil {
		return nil, fmt.Errorf("compiling schema: %w", err)
	}
	sum := sha256.Sum256(text)
	if id == "" {
		id = "declared:" + hex.EncodeToString(sum[:6])
	}
	d.schema = &model.Schema{ID: id, Fields: arrowFields, Conforming: true} // FuzzFromJSON checks it
	return d, nil
}

// Schema is the schema records decoded with d carry.
func (d *Declared) Schema() *model.Schema { return d.schema }

func compileField(f Field) (*field, arrow.Field, error) {
	cf := &field{name: f.Name, kind: f.Type, nullable: f.Nullable == nil || *f.Nullable,
		format: cmp.Or(f.Format, timefmt.Auto), zone: cmp.Or(f.Zone, "UTC")}
	if f.Type == "timestamp" || f.Type == "date" {
		tf, err := timefmt.New(cf.format, f.Layout, f.Zone)
		if err != nil {
			return nil, arrow.Field{}, err
		}
		cf.tf = tf
	}
	af := arrow.Field{Name: f.Name, Nullable: cf.nullable}
	switch f.Type {
	case "bool":
		af.Type = arrow.FixedWidthTypes.Boolean
	case "int32":
		af.Type = arrow.PrimitiveTypes.Int32
	case "int64":
		af.Type = arrow.PrimitiveTypes.Int64
	case "float32":
		af.Type = arrow.PrimitiveTypes.Float32
	case "float64":
		af.Type = arrow.PrimitiveTypes.Float64
	case "string", "json":
		af.Type = arrow.BinaryTypes.String
	case "binary":
		af.Type = arrow.BinaryTypes.Binary
	case "timestamp":
		cf.unit = map[string]arrow.TimeUnit{"s": arrow.Second, "ms": arrow.Millisecond, "": arrow.Microsecond,
			"us": arrow.Microsecond, "ns": arrow.Nanosecond}[f.Unit]
		af.Type = &arrow.TimestampType{Unit: cf.unit, TimeZone: "UTC"}
	case "date":
		af.Type = arrow.FixedWidthTypes.Date32
	case "decimal":
		cf.prec, cf.scale = int32(f.Precision), int32(f.Scale)
		af.Type = &arrow.Decimal128Type{Precision: cf.prec, Scale: cf.scale}
	default:
		return compileNested(cf, af, f)
	}
	return cf, af, nil
}

func compileNested(cf *field, af arrow.Field, f Field) (*field, arrow.Field, error) {
	switch f.Type {
	case "struct":
		children := make([]arrow.Field, 0, len(f.Fields))
		for _, c := range f.Fields {
			cc, ca, err := compileField(c)
			if err != nil {
				return nil, af, fmt.Errorf("field %q: %w", c.Name, err)
			}
			cc.path = []string{c.Name}
			cf.children = append(cf.children, cc)
			children = append(children, ca)
		}
		af.Type = arrow.StructOf(children...)
	case "list":
		it, ia, err := compileField(*f.Items)
		if err != nil {
			return nil, af, fmt.Errorf("items: %w", err)
		}
		cf.items = it
		ia.Name = "element"
		af.Type = arrow.ListOfField(ia)
	case "map":
		vt, va, err := compileField(*f.Values)
		if err != nil {
			return nil, af, fmt.Errorf("values: %w", err)
		}
		cf.values = vt
		mt := arrow.MapOf(arrow.BinaryTypes.String, va.Type)
		mt.SetItemNullable(va.Nullable)
		af.Type = mt
	default:
		return nil, af, fmt.Errorf("unknown type %q", f.Type)
	}
	return cf, af, nil
}

// TimeField returns the name of the declared timestamp field read from
// path (keys joined with dots) in the given format and zone name, if the
// schema has one: its typed value is then the time a parser reading path
// that way would read.
func (d *Declared) TimeField(path, format, zone string) (string, bool) {
	if zone == "" {
		zone = "UTC"
	}
	for _, f := range d.fields {
		if f.kind == "timestamp" && f.format != timefmt.Layout && strings.Join(f.path, ".") == path && f.format == format && f.zone == zone {
			return f.name, true
		}
	}
	return "", false
}
