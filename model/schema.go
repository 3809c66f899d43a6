package model

import "github.com/apache/arrow-go/v18/arrow"

// Schema is the typed shape of decoded record values: the columns a
// topic's files hold for them, beside the Kafka envelope. A decoding parser
// (avro, protobuf, json_schema, or a JSON topic with a declared schema)
// sets it on every record it decodes (Record.SetTyped); records without one
// are archived as bytes in the envelope's value column.
//
// Schemas are immutable once set on a record and shared by every record
// decoded with them: never change one.
//
// Typed values travel in the record's fields (Record.Fields), one Go value
// per Arrow type of Fields, so that a stage reads and changes a typed
// record the way it does an untyped one:
//
//	Arrow type                          Go value
//	bool                                bool
//	int8, int16, int32, int64           int64
//	uint8, uint16, uint32, uint64       uint64
//	float32, float64                    float64
//	string                              string
//	binary, large_binary, fixed_size_binary  []byte
//	date32, date64, timestamp (any unit)     time.Time
//	time32, time64                      time.Duration since midnight
//	decimal128, decimal256              *big.Rat
//	struct                              map[string]any
//	list, large_list, fixed_size_list   []any
//	map<utf8, V>                        map[string]any
//	(any nullable type, value absent)   nil, or the key missing
//
// A value of another Go type, or a missing non-nullable field, does not
// conform: the record is rejected to the topic's dead-letter destination
// before it reaches the buffer, never written wrong and never lost.
type Schema struct {
	// ID identifies the schema: records whose schemas have different IDs
	// never share a file, and equal IDs mean equal schemas. It is a pure
	// function of the schema's source, never of time or process (e.g.
	// "avro:17" for Schema Registry id 17, "declared:<hash>" for a
	// configured schema), so that every process cuts the same files.
	// Letters, digits, ':', '.', '_' and '-'.
	ID string
	// Fields are the value's top-level fields, each becoming a column of
	// the file, in this order.
	Fields []arrow.Field
	// Avro is the schema as Avro JSON when the values were decoded from
	// Avro (the avro output format writes it as the file's value schema);
	// empty otherwise.
	Avro string
	// Conforming says that every record decoded with this schema holds
	// exactly the Go values its fields call for, as sluice's own decoders
	// guarantee (their tests check it): the pipeline then checks only the
	// records a stage changed (Record.Touched), not every one. Leave it
	// false unless the decoder is tested that way.
	Conforming bool
}

// Field returns the top-level field named name, if the schema has one.
func (s *Schema) Field(name string) (arrow.Field, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return arrow.Field{}, false
}
