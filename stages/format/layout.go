package format

import (
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicehq/sluice/model"
)

// Metadata keys of the Arrow schema of a file, written into every Parquet
// file's key-value metadata and the Avro header, so that readers (sluice
// verify among them) find the envelope columns whatever their names.
const (
	MetaTopicColumn     = "sluice.topic_column"
	MetaPartitionColumn = "sluice.partition_column"
	MetaKeyColumn       = "sluice.key_column"
	MetaOffsetColumn    = "sluice.offset_column"
	MetaTimestampColumn = "sluice.timestamp_column"
	MetaValueColumn     = "sluice.value_column"
	MetaSchemaID        = "sluice.schema_id"
	MetaAvroSchema      = "sluice.avro.value_schema"
)

// Envelope column positions in Layout.env, in Columns.named order.
const (
	envTopic = iota
	envPartition
	envOffset
	envTimestamp
	envKey
	envHeaders
	envValue
	numEnv
)

// Layout is the columns of one file: for records without a schema the
// envelope schema (Schema, its value column binary or string), for typed
// records one column per value field followed by the envelope columns
// Columns keeps. A Layout is immutable and shared by every file of its
// topic and schema.
type Layout struct {
	schema *arrow.Schema
	value  *model.Schema
	// env holds the column index of each envelope column, -1 when off.
	env [numEnv]int
	// stringValue says the value column is UTF-8.
	stringValue bool
	// rowCost approximates what a typed row takes in the builders beyond
	// its raw bytes: 16 bytes per leaf column (an 8-byte value, offsets,
	// validity), so that a small value decoded into many columns (a
	// Protobuf message of defaults) counts what it takes.
	rowCost int
}

// leafColumns counts the leaf columns of fields (a list or map counts its
// item's).
func leafColumns(fields []arrow.Field) int {
	n := 0
	for _, f := range fields {
		switch t := f.Type.(type) {
		case *arrow.StructType:
			n += leafColumns(t.Fields())
		case *arrow.MapType:
			n += 1 + leafColumns([]arrow.Field{t.ItemField()})
		case arrow.ListLikeType:
			n += leafColumns([]arrow.Field{t.ElemField()})
		default:
			n++
		}
	}
	return n
}

// headersType is the type of the headers column.
var headersType = envelope.Field(colHeaders).Type

// NewLayout returns the layout of files holding records decoded with value
// (nil: records archived as bytes) under the envelope columns cols. It
// fails when a value field's name is an envelope column's.
func NewLayout(cols Columns, value *model.Schema) (*Layout, error) {
	l := &Layout{value: value, stringValue: cols.ValueType == ValueString}
	valueType := arrow.DataType(arrow.BinaryTypes.Binary)
	if l.stringValue {
		valueType = arrow.BinaryTypes.String
	}
	if value == nil {
		for i := range l.env {
			l.env[i] = i
		}
		l.schema = envelope
		if l.stringValue {
			fields := envelope.Fields()
			fields[colValue].Type = valueType
			l.schema = arrow.NewSchema(fields, nil)
		}
		return l, nil
	}
	l.rowCost = 16 * leafColumns(value.Fields)
	fields := make([]arrow.Field, 0, len(value.Fields)+numEnv)
	for _, f := range value.Fields {
		if err := cols.Collides(f.Name); err != nil {
			return nil, fmt.Errorf("schema %s: %w", value.ID, err)
		}
		fields = append(fields, f)
	}
	types := [numEnv]arrow.Field{
		envelope.Field(colTopic), envelope.Field(colPartition), envelope.Field(colOffset),
		envelope.Field(colTimestamp), envelope.Field(colKey), {Type: headersType},
		{Type: valueType, Nullable: true},
	}
	meta := map[string]string{MetaSchemaID: value.ID}
	for i, col := range cols.named() {
		l.env[i] = -1
		if col.name == "" {
			continue
		}
		l.env[i] = len(fields)
		f := types[i]
		f.Name = col.name
		fields = append(fields, f)
		switch i {
		case envTopic:
			meta[MetaTopicColumn] = col.name
		case envPartition:
			meta[MetaPartitionColumn] = col.name
		case envKey:
			meta[MetaKeyColumn] = col.name
		case envOffset:
			meta[MetaOffsetColumn] = col.name
		case envTimestamp:
			meta[MetaTimestampColumn] = col.name
		case envValue:
			meta[MetaValueColumn] = col.name
		}
	}
	if l.env[envOffset] < 0 {
		return nil, fmt.Errorf("schema %s: the offset column cannot be switched off", value.ID)
	}
	if value.Avro != "" {
		meta[MetaAvroSchema] = value.Avro
	}
	md := arrow.MetadataFrom(meta)
	l.schema = arrow.NewSchema(fields, &md)
	return l, nil
}

// Schema is the Arrow schema of the layout's files.
func (l *Layout) Schema() *arrow.Schema { return l.schema }

// Value is the schema the layout's records were decoded with; nil for
// records archived as bytes.
func (l *Layout) Value() *model.Schema { return l.value }

// StringValue reports whether the value column is UTF-8: records whose
// value is not valid UTF-8 do not fit.
func (l *Layout) StringValue() bool { return l.stringValue }

// columnNamed returns the name of the column the metadata key names in s
// (for files without metadata, the envelope's own name), or "".
func columnNamed(s *arrow.Schema, key, fallback string) string {
	if v, ok := s.Metadata().GetValue(key); ok {
		return v
	}
	if s.HasMetadata() {
		return ""
	}
	return fallback
}

// Layouts builds and keeps the layouts of one topic's files: one per
// schema ID its records carry, all under the topic's envelope columns. It
// is safe for concurrent use; the zero value is not (use NewLayouts).
type Layouts struct {
	cols Columns
	// byID maps a schema ID to its *Layout, or to the error building it.
	byID sync.Map
}

// NewLayouts returns the layouts of files under the envelope columns cols.
// The zero Columns means DefaultColumns.
func NewLayouts(cols Columns) *Layouts {
	if cols == (Columns{}) {
		cols = DefaultColumns()
	}
	return &Layouts{cols: cols}
}

// StringValue reports whether the value column of the layouts' files is
// UTF-8 (Columns.ValueType string): values that are not do not fit.
func (l *Layouts) StringValue() bool { return l.cols.ValueType == ValueString }

// For returns the layout of the files of records decoded with s (nil: the
// envelope layout, its value column as Columns.ValueType says), built once
// per schema ID. It fails, every time, for a schema a layout cannot be
// built for (a field named like an envelope column).
func (l *Layouts) For(s *model.Schema) (*Layout, error) {
	id := ""
	if s != nil {
		id = s.ID
	}
	v, ok := l.byID.Load(id)
	if !ok {
		lay, err := NewLayout(l.cols, s)
		if err != nil {
			v, _ = l.byID.LoadOrStore(id, err)
		} else {
			v, _ = l.byID.LoadOrStore(id, lay)
		}
	}
	if err, bad := v.(error); bad {
		return nil, err
	}
	return v.(*Layout), nil
}
