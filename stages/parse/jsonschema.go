package parse

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/schema"
)

// TypeJSONSchema is the name of the json_schema parser.
const TypeJSONSchema = "json_schema"

func init() {
	MustRegister(NewFactory(TypeJSONSchema, defaultJSONSchema, newJSONSchema))
}

// JSONSchemaConfig configures the json_schema parser: JSON values typed by
// a JSON Schema (see schema.FromJSONSchema for the types), from the Schema
// Registry by the id each record's Confluent header carries, or from a
// file.
//
//	parser: {type: json_schema}                               # Schema Registry
//	parser: {type: json_schema, options: {schema_file: order.schema.json, wire: bare}}
type JSONSchemaConfig struct {
	// SchemaFile is a JSON Schema document every record follows. Empty:
	// each record's schema is fetched from the Schema Registry.
	SchemaFile string `yaml:"schema_file"`
	// Wire is how values are framed: "confluent" (default; magic byte and
	// schema id, which is not looked up when SchemaFile is set) or "bare"
	// (the JSON alone; needs SchemaFile).
	Wire string `yaml:"wire"`
}

func defaultJSONSchema() JSONSchemaConfig { return JSONSchemaConfig{Wire: WireConfluent} }

// Validate reports every problem of the options. It reads the schema file.
func (c JSONSchemaConfig) Validate() error {
	var errs conf.Errors
	switch c.Wire {
	case WireConfluent:
	case WireBare:
		if c.SchemaFile == "" {
			errs.Addf("wire", "bare JSON values need schema_file (they carry no schema id)")
		}
	default:
		errs.Addf("wire", "unknown wire format %q (want %s, %s)", c.Wire, WireConfluent, WireBare)
	}
	if c.SchemaFile != "" {
		if _, err := loadJSONSchema(c.SchemaFile); err != nil {
			errs.Add("schema_file", err)
		}
	}
	return errs.Err()
}

// NeedsRegistry reports whether schemas come from the Schema Registry.
func (c JSONSchemaConfig) NeedsRegistry() bool { return c.SchemaFile == "" }

// loadJSONSchema reads and compiles a JSON Schema file.
func loadJSONSchema(path string) (*schema.Declared, error) {
	doc, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return compileJSONSchema(doc, "")
}

// compileJSONSchema compiles a JSON Schema document; id names it ("" for
// one named by its text's hash).
func compileJSONSchema(doc []byte, id string) (*schema.Declared, error) {
	cfg, err := schema.FromJSONSchema(doc)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("reading JSON Schema: %w", err)
	}
	return schema.CompileID(cfg, id)
}

// jsonSchemaParser types JSON values by their JSON Schema (a Decoder).
type jsonSchemaParser struct {
	bare     bool
	file     *schema.Declared // nil: schemas from the registry
	registry *jsonSchemaRegistry
}

func newJSONSchema(c JSONSchemaConfig, set Settings) (Parser, error) {
	p := &jsonSchemaParser{bare: c.Wire == WireBare}
	if c.SchemaFile != "" {
		d, err := loadJSONSchema(c.SchemaFile)
		if err != nil {
			return nil, fmt.Errorf("%w: schema_file: %w", ErrInvalidConfig, err)
		}
		p.file = d
		return p, nil
	}
	if set.Registry == nil {
		return nil, fmt.Errorf("%w: no schema_file, and no schema registry is configured", ErrInvalidConfig)
	}
	p.registry = &jsonSchemaRegistry{cl: set.Registry}
	return p, nil
}

// Decode types the record's JSON value by its schema.
func (p *jsonSchemaParser) Decode(rec *model.Record) error {
	if rec.Value == nil {
		return nil // a tombstone stays untyped
	}
	data, d := rec.Value, p.file
	if !p.bare {
		id, rest, err := confluentID(data)
		if err != nil {
			return fmt.Errorf("decoding json_schema: %w", err)
		}
		data = rest
		if d == nil {
			if d, err = p.registry.cache.get(id, p.registry.fetch); err != nil {
				return fmt.Errorf("decoding json_schema: %w", err)
			}
		}
	}
	fields, err := d.FromJSON(data)
	if err != nil {
		return fmt.Errorf("decoding json_schema: %s: %w", d.Schema().ID, err)
	}
	rec.SetTyped(d.Schema(), fields)
	return nil
}

// EventTime is the Kafka timestamp; a time section reads a field instead.
func (p *jsonSchemaParser) EventTime(rec *model.Record) (time.Time, error) {
	return rec.Timestamp, nil
}

// jsonSchemaRegistry fetches JSON Schemas by id and keeps them compiled.
type jsonSchemaRegistry struct {
	cl    *sr.Client
	cache registryCache[*schema.Declared]
}

func (r *jsonSchemaRegistry) fetch(id uint32) (*schema.Declared, error) {
	s, err := fetchSchema(r.cl, id, func(string, string) {})
	if err != nil {
		return nil, err
	}
	if s.Type != sr.TypeJSON {
		return nil, fmt.Errorf("schema id %d is a %s schema, not JSON", id, s.Type)
	}
	d, err := compileJSONSchema([]byte(s.Schema), "json_schema:"+strconv.FormatUint(uint64(id), 10))
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	return d, nil
}
