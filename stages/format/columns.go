package format

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/sluicehq/sluice/conf"
)

// Columns names the Kafka envelope columns of a topic's typed files (files
// of records decoded against a schema: avro, protobuf, json_schema, or a
// declared or inferred JSON schema), beside one column per value field.
// An empty name switches a column off, except Offset, which "sluice verify"
// reads and every file keeps. The names follow ClickHouse's Kafka engine
// (_topic, _partition, _offset, ...), so that they rarely collide with a
// value's own fields; a collision is reported for the schema it happens
// with.
//
// Files of records without a schema keep the envelope schema (Schema) with
// its fixed names; ValueType applies to them too.
type Columns struct {
	// Topic, Partition, Offset, Timestamp (the Kafka timestamp), Key and
	// Headers name those columns. Defaults _topic, _partition, _offset,
	// _timestamp, _key, _headers.
	Topic     string `yaml:"topic"`
	Partition string `yaml:"partition"`
	Offset    string `yaml:"offset"`
	Timestamp string `yaml:"timestamp"`
	Key       string `yaml:"key"`
	Headers   string `yaml:"headers"`
	// Value names the column holding the record's value as it was read
	// (the raw bytes, or a stage's changes as JSON). Default "" (off).
	Value string `yaml:"value"`
	// ValueType is the type of the value column: "binary" (default) or
	// "string" (UTF-8; a record whose value is not valid UTF-8 is then
	// dead-lettered, never written damaged). In files without a schema it
	// types the envelope's "value" column.
	ValueType string `yaml:"value_type"`
}

// Value column types as written in Columns.ValueType.
const (
	ValueBinary = "binary"
	ValueString = "string"
)

// DefaultColumns returns the envelope columns typed files have unless the
// configuration says otherwise.
func DefaultColumns() Columns {
	return Columns{Topic: "_topic", Partition: "_partition", Offset: "_offset", Timestamp: "_timestamp",
		Key: "_key", Headers: "_headers", ValueType: ValueBinary}
}

// columnName is what a column may be called: a name every engine that reads
// Parquet (Athena, Spark, Trino, DuckDB) accepts without quoting.
var columnName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Validate reports every problem of the columns, each a *conf.FieldError
// naming its path relative to the section ("offset", "value_type").
func (c Columns) Validate() error {
	var errs conf.Errors
	seen := map[string]string{}
	for _, col := range c.named() {
		switch {
		case col.name == "" && col.key == "offset":
			errs.Addf(col.key, "required: every file keeps the Kafka offset (sluice verify reads it)")
		case col.name == "":
		case !columnName.MatchString(col.name):
			errs.Addf(col.key, "%q is not a column name (letters, digits and _, not starting with a digit)", col.name)
		case seen[strings.ToLower(col.name)] != "":
			errs.Addf(col.key, "%q is already the name of %s", col.name, seen[strings.ToLower(col.name)])
		default:
			seen[strings.ToLower(col.name)] = col.key
		}
	}
	if c.ValueType != "" && c.ValueType != ValueBinary && c.ValueType != ValueString {
		errs.Addf("value_type", "unknown value type %q (want %s or %s)", c.ValueType, ValueBinary, ValueString)
	}
	return errs.Err()
}

// namedColumn is one envelope column: its key in the section and its name.
type namedColumn struct{ key, name string }

// named lists the envelope columns in file order.
func (c Columns) named() []namedColumn {
	return []namedColumn{{"topic", c.Topic}, {"partition", c.Partition}, {"offset", c.Offset},
		{"timestamp", c.Timestamp}, {"key", c.Key}, {"headers", c.Headers}, {"value", c.Value}}
}

// Collides returns an error when a value field's name is also an envelope
// column's (names compare without case, as SQL engines do): a typed file
// cannot hold both.
func (c Columns) Collides(field string) error {
	for _, col := range c.named() {
		if col.name != "" && strings.EqualFold(col.name, field) {
			return fmt.Errorf("value field %q has the name of the envelope's %s column (rename it under format.columns)", field, col.key)
		}
	}
	return nil
}
