package format

import "github.com/apache/arrow-go/v18/arrow"

// Column indices of the envelope schema.
const (
	colTopic = iota
	colPartition
	colOffset
	colTimestamp
	colKey
	colHeaders
	colValue
	numCols
)

// Indices of the fields of a header struct.
const (
	hdrKey = iota
	hdrValue
)

var envelope = arrow.NewSchema([]arrow.Field{
	{Name: "topic", Type: arrow.BinaryTypes.String},
	{Name: "partition", Type: arrow.PrimitiveTypes.Int32},
	{Name: "offset", Type: arrow.PrimitiveTypes.Int64},
	{Name: "timestamp", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
	{Name: "key", Type: arrow.BinaryTypes.Binary, Nullable: true},
	{Name: "headers", Type: arrow.ListOfNonNullable(arrow.StructOf(
		arrow.Field{Name: "key", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "value", Type: arrow.BinaryTypes.Binary, Nullable: true},
	))},
	{Name: "value", Type: arrow.BinaryTypes.Binary, Nullable: true},
}, nil)

// Schema returns the envelope schema every spill and output file holds, one
// row per Kafka record:
//
//	topic      string
//	partition  int32
//	offset     int64
//	timestamp  timestamp[ms, tz=UTC]   the Kafka record timestamp
//	key        binary, nullable         null when the record has no key
//	headers    list<struct<key: string, value: binary (nullable)>>
//	                                    empty when none; order and repeated keys kept
//	value      binary, nullable         null for a tombstone
//
// Strings (topic, header keys) are valid UTF-8: SpillWriter replaces invalid
// bytes, which Kafka does not allow there anyway, with U+FFFD, so that every
// Parquet reader can open the file. Keys and values are kept byte for byte.
//
// The returned schema is shared; callers must not modify it.
func Schema() *arrow.Schema { return envelope }
