package parse_test

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/parse"
)

// reading is the schema of a sensor's readings: a record's value is 16
// bytes, the sensor id and the reading time in Unix milliseconds, both big
// endian. The schema is made once and shared by every record (its ID names
// the files' schema: keep it stable).
var reading = &model.Schema{ID: "sensor:v1", Fields: []arrow.Field{
	{Name: "sensor", Type: arrow.PrimitiveTypes.Int64},
	{Name: "read_at", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
}}

// sensorParser decodes readings into typed fields (a parse.Decoder).
type sensorParser struct{}

// Decode types the record, or rejects it: the record then goes to the
// topic's dead-letter destination with the error as its reason.
func (sensorParser) Decode(rec *model.Record) error {
	if rec.Value == nil {
		return nil // a tombstone stays untyped
	}
	if len(rec.Value) != 16 {
		return fmt.Errorf("a reading is 16 bytes, not %d", len(rec.Value))
	}
	rec.SetTyped(reading, map[string]any{ // Go values as model.Schema lists them
		"sensor":  int64(binary.BigEndian.Uint64(rec.Value)),
		"read_at": time.UnixMilli(int64(binary.BigEndian.Uint64(rec.Value[8:]))).UTC(),
	})
	return nil
}

// EventTime reads the decoded time.
func (sensorParser) EventTime(rec *model.Record) (time.Time, error) {
	t, ok := rec.Field("read_at")
	if !ok {
		return time.Time{}, parse.ErrMissing
	}
	return t.(time.Time), nil
}

// Example_decoder registers a parser of a program's own binary format that
// decodes each value into typed fields: the topic's files get the columns
// sensor (int64) and read_at (timestamp), and values that do not decode are
// dead-lettered instead of stopping sluice.
func Example_decoder() {
	err := parse.Register(parse.NewFactory("sensor", nil, func(struct{}, parse.Settings) (parse.Parser, error) {
		return sensorParser{}, nil
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	stage, err := parse.New(parse.Config{Type: "sensor"}, parse.Settings{})
	if err != nil {
		fmt.Println(err)
		return
	}
	good := make([]byte, 16)
	binary.BigEndian.PutUint64(good, 7)
	binary.BigEndian.PutUint64(good[8:], uint64(time.Date(2026, 11, 22, 1, 2, 3, 0, time.UTC).UnixMilli()))
	b := &model.Batch{Topic: "readings", Records: []model.Record{{Offset: 0, Value: good}, {Offset: 1, Value: []byte("garbage")}}}
	if err := stage.ParseBatch(b); err != nil {
		fmt.Println(err)
		return
	}
	sensor, _ := b.Records[0].Field("sensor")
	fmt.Println(b.Records[0].Schema.ID, sensor, b.Records[0].EventTime)
	fmt.Println(b.Rejected[0].Record.Offset, b.Rejected[0].Reason)
	// Output:
	// sensor:v1 7 2026-11-22 01:02:03 +0000 UTC
	// 1 a reading is 16 bytes, not 7
}
