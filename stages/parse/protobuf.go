package parse

import (
	"fmt"
	"time"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
)

// TypeProtobuf decodes Protobuf values into typed fields.
const TypeProtobuf = "protobuf"

func init() {
	MustRegister(NewFactory(TypeProtobuf, defaultProtobuf,
		func(c ProtobufConfig, set Settings) (Parser, error) { return newProtobuf(c, set) }))
}

// ProtobufConfig configures the protobuf parser, the "options:" of
// "parser: {type: protobuf}". Schemas come from the Schema Registry (the
// configuration's schema_registry section) by the id in each record, or,
// without one, from a descriptor set or a .proto file:
//
//	parser: {type: protobuf}                           # registry, Confluent wire format
//	parser: {type: protobuf, options: {descriptor_set: orders.binpb, message: shop.v1.Order}}
//	parser: {type: protobuf, options: {proto_file: shop/v1/order.proto,
//	         import_paths: [proto], message: shop.v1.Order, wire: bare}}
type ProtobufConfig struct {
	// Wire is how values are framed: "confluent" (magic byte, schema id,
	// message indexes) or "bare" (the message alone; needs Message and a
	// local schema). Default "confluent".
	Wire string `yaml:"wire"`
	// Message is the full name of the message ("shop.v1.Order") when the
	// schema is local. With the bare wire format every value is one; with
	// the Confluent wire format each record's message indexes choose the
	// message within the file that declares it (the header's schema id is
	// not looked up).
	Message string `yaml:"message"`
	// DescriptorSet is a FileDescriptorSet file, as "protoc -o" (best with
	// --include_imports) or "buf build -o" write it. Well-known types it
	// lacks are taken from the library.
	DescriptorSet string `yaml:"descriptor_set"`
	// ProtoFile is a .proto file, compiled when the parser is built, with
	// its imports found under ImportPaths (the well-known types are built
	// in).
	ProtoFile string `yaml:"proto_file"`
	// ImportPaths are the directories imports are looked up in, like
	// protoc's -I; default the directory of ProtoFile.
	ImportPaths []string `yaml:"import_paths"`
}

// defaultProtobuf returns the protobuf parser's defaults.
func defaultProtobuf() ProtobufConfig {
	return ProtobufConfig{Wire: WireConfluent}
}

// local reports whether the schema comes from a file, not the registry.
func (c *ProtobufConfig) local() bool { return c.DescriptorSet != "" || c.ProtoFile != "" }

// Validate reports every problem of the options, with their paths. Whether
// a Schema Registry is configured is checked when the parser is built.
func (c *ProtobufConfig) Validate() error {
	var errs conf.Errors
	if c.Wire != WireConfluent && c.Wire != WireBare {
		errs.Addf("wire", "unknown wire format %q (want %s or %s)", c.Wire, WireConfluent, WireBare)
	}
	if c.DescriptorSet != "" && c.ProtoFile != "" {
		errs.Addf("proto_file", "give descriptor_set or proto_file, not both")
	}
	if len(c.ImportPaths) > 0 && c.ProtoFile == "" {
		errs.Addf("import_paths", "only with proto_file")
	}
	switch {
	case c.local() && c.Message == "":
		errs.Addf("message", "required with descriptor_set or proto_file (the message's full name, e.g. shop.v1.Order)")
	case !c.local() && c.Message != "":
		errs.Addf("message", "only with descriptor_set or proto_file (with a Schema Registry, records name their message)")
	}
	if c.Wire == WireBare && !c.local() {
		errs.Addf("wire", "bare values carry no schema id: give descriptor_set or proto_file, and message")
	}
	return errs.Err()
}

// protobufParser decodes Protobuf values (see ProtobufConfig) into typed
// fields and reads the event time from one of them.
type protobufParser struct {
	bare     bool
	registry *pbRegistry // schemas by id; nil with a local schema
	local    *pbFile     // the file declaring the configured message
	message  *pbMessage  // the configured message (bare wire format)
}

// newProtobuf builds the protobuf parser: a local schema is read and
// compiled now, registry schemas on first use.
func newProtobuf(c ProtobufConfig, set Settings) (*protobufParser, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	p := &protobufParser{bare: c.Wire == WireBare}
	if !c.local() {
		if set.Registry == nil {
			return nil, fmt.Errorf("%w: the protobuf parser needs a schema_registry section, or descriptor_set or proto_file in its options",
				ErrInvalidConfig)
		}
		p.registry = newPBRegistry(set.Registry)
		return p, nil
	}
	f, md, err := loadLocal(c)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	p.local = f
	if p.message, err = f.messageFor(md); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return p, nil
}

// Decode decodes the record's value into typed fields (rec.SetTyped); see
// Decoder. Tombstones stay untyped.
func (p *protobufParser) Decode(rec *model.Record) (err error) {
	if rec.Value == nil {
		return nil
	}
	defer func() {
		if r := recover(); r != nil { // a library bug must not stop sluice
			err = fmt.Errorf("decoding protobuf: %v", r)
		}
	}()
	m, body, err := p.find(rec.Value)
	if err != nil {
		return fmt.Errorf("decoding protobuf: %w", err)
	}
	fields, err := m.decode(body)
	if err != nil {
		return fmt.Errorf("decoding protobuf: %s: message %s: %w", m.file.label, m.name, err)
	}
	rec.SetTyped(m.schema, fields)
	return nil
}

// find returns the message a value holds and the message's bytes.
func (p *protobufParser) find(v []byte) (*pbMessage, []byte, error) {
	if p.bare {
		return p.message, v, nil
	}
	id, rest, err := confluentID(v)
	if err != nil {
		return nil, nil, err
	}
	f := p.local
	if f == nil {
		if f, err = p.registry.file(id); err != nil {
			return nil, nil, err
		}
	}
	return f.messageAt(rest)
}

// EventTime is the Kafka timestamp: the parser section's time.field reads
// a decoded field instead (a Timestamp as it is).
func (p *protobufParser) EventTime(rec *model.Record) (time.Time, error) { return rec.Timestamp, nil }
