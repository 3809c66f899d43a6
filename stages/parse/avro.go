package parse

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
)

// TypeAvro is the name of the avro parser.
const TypeAvro = "avro"

// The wire formats of the avro and protobuf parsers.
const (
	// WireConfluent: a magic byte 0, the schema id (4 bytes, big endian),
	// (for Protobuf, the message-index array,) then the value.
	WireConfluent = "confluent"
	// WireBare: the value alone, of the configured schema's type.
	WireBare = "bare"
)

func init() {
	MustRegister(NewFactory(TypeAvro, defaultAvro, newAvro))
}

// AvroConfig configures the avro parser:
//
//	parser: {type: avro}                                     # Schema Registry
//	parser: {type: avro, options: {schema_file: user.avsc, wire: bare}}
type AvroConfig struct {
	// SchemaFile is an Avro schema (.avsc) that every record is written
	// with. Empty: each record's schema is fetched from the Schema
	// Registry by the id its header carries.
	SchemaFile string `yaml:"schema_file"`
	// Wire is how values are framed: "confluent" (default; magic byte and
	// schema id, which is not checked when SchemaFile is set) or "bare"
	// (the Avro value alone; needs SchemaFile).
	Wire string `yaml:"wire"`
}

// defaultAvro returns the avro parser's defaults.
func defaultAvro() AvroConfig { return AvroConfig{Wire: WireConfluent} }

// Validate reports every problem of the options. It reads and parses the
// schema file.
func (c AvroConfig) Validate() error {
	var errs conf.Errors
	switch c.Wire {
	case WireConfluent:
	case WireBare:
		if c.SchemaFile == "" {
			errs.Addf("wire", "bare Avro values need schema_file (they carry no schema id)")
		}
	default:
		errs.Addf("wire", "unknown wire format %q (want %s, %s)", c.Wire, WireConfluent, WireBare)
	}
	if c.SchemaFile != "" {
		if _, err := loadAvroFile(c.SchemaFile); err != nil {
			errs.Add("schema_file", err)
		}
	}
	return errs.Err()
}

// NeedsRegistry reports whether schemas come from the Schema Registry:
// when no schema file is given.
func (c AvroConfig) NeedsRegistry() bool { return c.SchemaFile == "" }

// loadAvroFile reads, parses and compiles a schema file.
func loadAvroFile(path string) (*avroSchema, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the schema: %w", err)
	}
	s, err := parseAvroSchema(string(text))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	cs, err := compileAvro(fileSchemaID(text), s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cs, nil
}

// avroParser decodes Avro values (a Decoder).
type avroParser struct {
	bare bool
	// file is the schema file's schema, nil when schemas come from the
	// registry.
	file     *avroSchema
	registry *avroRegistry
}

// newAvro builds the avro parser.
func newAvro(c AvroConfig, set Settings) (Parser, error) {
	p := &avroParser{bare: c.Wire == WireBare}
	if c.SchemaFile != "" {
		s, err := loadAvroFile(c.SchemaFile)
		if err != nil {
			return nil, fmt.Errorf("%w: schema_file: %w", ErrInvalidConfig, err)
		}
		p.file = s
		return p, nil
	}
	if set.Registry == nil {
		return nil, fmt.Errorf("%w: no schema_file, and no schema registry is configured", ErrInvalidConfig)
	}
	p.registry = newAvroRegistry(set.Registry)
	return p, nil
}

// Decode decodes the record's value into typed fields (see the package
// documentation for the types).
func (p *avroParser) Decode(rec *model.Record) error {
	if rec.Value == nil {
		return nil // a tombstone stays untyped
	}
	data, s, label := rec.Value, p.file, ""
	if !p.bare {
		id, rest, err := confluentID(data)
		if err != nil {
			return fmt.Errorf("decoding avro: %w", err)
		}
		data, label = rest, fmt.Sprintf("schema id %d: ", id)
		if s == nil {
			if s, err = p.registry.schema(id); err != nil {
				return fmt.Errorf("decoding avro: %w", err) // fetchSchema names the id
			}
		}
	}
	fields, err := s.decode(data)
	if err != nil {
		return fmt.Errorf("decoding avro: %s%w", label, err)
	}
	rec.SetTyped(s.model, fields)
	return nil
}

// EventTime is the Kafka timestamp: the parser section's time.field reads
// a decoded field instead.
func (p *avroParser) EventTime(rec *model.Record) (time.Time, error) { return rec.Timestamp, nil }

// errNoAvro wraps the rejection of a schema that is not Avro.
var errNoAvro = errors.New("not an Avro schema")
