package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"
)

// benchAvroSchema is the Avro schema of the harness's events, registered
// in the Schema Registry the Avro row reads them through.
const benchAvroSchema = `{"type":"record","name":"Event","namespace":"bench","fields":[
  {"name":"id","type":"string"},
  {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
  {"name":"event","type":"string"},
  {"name":"user","type":"long"},
  {"name":"name","type":["null","string"],"default":null},
  {"name":"country","type":["null","string"],"default":null},
  {"name":"price","type":["null","double"],"default":null},
  {"name":"pad","type":"string"}]}`

// avroEvent is a harness event as the Avro schema has it.
type avroEvent struct {
	ID      string    `json:"id" avro:"id"`
	TS      int64     `json:"ts" avro:"-"`
	Time    time.Time `json:"-" avro:"ts"`
	Event   string    `json:"event" avro:"event"`
	User    int64     `json:"user" avro:"user"`
	Name    *string   `json:"name" avro:"name"`
	Country *string   `json:"country" avro:"country"`
	Price   *float64  `json:"price" avro:"price"`
	Pad     string    `json:"pad" avro:"pad"`
}

// avroEncoder turns the generator's JSON events into Avro values in the
// Confluent wire format, under the schema's registry id.
type avroEncoder struct {
	schema avro.Schema
	header [5]byte
}

// newAvroRegistry starts an in-memory Schema Registry (franz-go's srfake,
// serving the Confluent REST API on a local port) with the events' schema
// registered, and returns it with the encoder of that schema.
func newAvroRegistry() (*srfake.Registry, *avroEncoder, error) {
	reg := srfake.New()
	id, _, err := reg.RegisterSchema("events-avro-value", sr.Schema{Schema: benchAvroSchema, Type: sr.TypeAvro})
	if err != nil {
		reg.Close()
		return nil, nil, fmt.Errorf("registering the bench schema: %w", err)
	}
	s, err := avro.Parse(benchAvroSchema)
	if err != nil {
		reg.Close()
		return nil, nil, fmt.Errorf("parsing the bench schema: %w", err)
	}
	e := &avroEncoder{schema: s}
	binary.BigEndian.PutUint32(e.header[1:], uint32(id))
	return reg, e, nil
}

// encode returns the JSON event v as a framed Avro value.
func (e *avroEncoder) encode(v []byte) ([]byte, error) {
	var ev avroEvent
	if err := json.Unmarshal(v, &ev); err != nil {
		return nil, fmt.Errorf("reading a generated event: %w", err)
	}
	ev.Time = time.UnixMilli(ev.TS).UTC()
	data, err := avro.Marshal(e.schema, ev)
	if err != nil {
		return nil, fmt.Errorf("encoding a generated event: %w", err)
	}
	return append(e.header[:], data...), nil
}
