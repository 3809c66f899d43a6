package format_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/hamba/avro/v2/ocf"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
)

// avroEnvelope is a row of an avro file of the envelope schema, as
// hamba/avro decodes it.
type avroEnvelope struct {
	Topic     string    `avro:"topic"`
	Partition int32     `avro:"partition"`
	Offset    int64     `avro:"offset"`
	Timestamp time.Time `avro:"timestamp"`
	Key       *[]byte   `avro:"key"`
	Headers   []struct {
		Key   string  `avro:"key"`
		Value *[]byte `avro:"value"`
	} `avro:"headers"`
	Value *[]byte `avro:"value"`
}

// readAvro decodes an avro file of the envelope schema with hamba/avro.
func readAvro(t testing.TB, data []byte) []model.Record {
	t.Helper()
	dec, err := ocf.NewDecoder(bytes.NewReader(data))
	require.NoError(t, err)
	defer dec.Close()
	var recs []model.Record
	for dec.HasNext() {
		var row avroEnvelope
		require.NoError(t, dec.Decode(&row))
		r := model.Record{Topic: row.Topic, Partition: row.Partition, Offset: row.Offset,
			Timestamp: row.Timestamp.UTC(), Key: deref(row.Key), Value: deref(row.Value)}
		for _, h := range row.Headers {
			r.Headers = append(r.Headers, model.Header{Key: h.Key, Value: deref(h.Value)})
		}
		recs = append(recs, r)
	}
	require.NoError(t, dec.Error())
	return recs
}

// deref is *p, or nil.
func deref(p *[]byte) []byte {
	if p == nil {
		return nil
	}
	return *p
}
