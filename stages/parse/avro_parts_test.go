package parse_test

import (
	"encoding/base64"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/parse"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/testing/schemaregistry"
	"github.com/sluicehq/sluice/testing/srproducer"
	"github.com/sluicehq/sluice/transport/schemareg"
)

// Two versions of an order schema, as a Node service would register them.
const (
	orderV1 = `{"type":"record","name":"Order","namespace":"shop","fields":[
		{"name":"id","type":"long"},
		{"name":"placed","type":{"type":"long","logicalType":"timestamp-millis"}},
		{"name":"total","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}},
		{"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","PAID"]}},
		{"name":"customer","type":{"type":"record","name":"Customer","fields":[
			{"name":"name","type":"string"},{"name":"vip","type":"boolean"}]}},
		{"name":"note","type":["null","string"],"default":null},
		{"name":"items","type":{"type":"array","items":"string"}},
		{"name":"attrs","type":{"type":"map","values":"int"}}]}`
	orderV2 = `{"type":"record","name":"Order","namespace":"shop","fields":[
		{"name":"id","type":"long"},
		{"name":"placed","type":{"type":"long","logicalType":"timestamp-millis"}},
		{"name":"total","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}},
		{"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","PAID"]}},
		{"name":"customer","type":{"type":"record","name":"Customer","fields":[
			{"name":"name","type":"string"},{"name":"vip","type":"boolean"}]}},
		{"name":"note","type":["null","string"],"default":null},
		{"name":"items","type":{"type":"array","items":"string"}},
		{"name":"attrs","type":{"type":"map","values":"int"}},
		{"name":"email","type":["null","string"],"default":null}]}`
)

// unscaled returns a decimal's unscaled value as Avro's two's-complement
// big-endian bytes, the way produce.mjs takes them.
func unscaled(v int64) map[string]string {
	b := big.NewInt(v).Bytes()
	if v < 0 {
		n := len(b) + 1
		b = new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), uint(n*8)), big.NewInt(v)).Bytes()
	} else if len(b) > 0 && b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return map[string]string{"$bytes": base64.StdEncoding.EncodeToString(b)}
}

// order is a record of orderV1 (email set: of orderV2) as JSON for avsc.
func order(id int64, placed time.Time, total int64, email any) map[string]any {
	o := map[string]any{"id": id, "placed": placed.UnixMilli(), "total": unscaled(total), "status": "PAID",
		"customer": map[string]any{"name": "Ann", "vip": id%2 == 0}, "note": nil,
		"items": []string{"book", "pen"}, "attrs": map[string]int{"gift": 1}}
	if email != nil {
		o["email"] = email
	}
	return o
}

// consume reads n records of topic from the start.
func consume(t *testing.T, brokers []string, topic string, n int) []model.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	defer cl.Close()
	var out []model.Record
	deadline := time.Now().Add(30 * time.Second)
	for len(out) < n && time.Now().Before(deadline) {
		fs := cl.PollFetches(t.Context())
		require.NoError(t, fs.Err())
		fs.EachRecord(func(r *kgo.Record) {
			out = append(out, model.Record{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset,
				Timestamp: r.Timestamp, Value: r.Value})
		})
	}
	require.Len(t, out, n)
	return out
}

// stage builds an avro parser stage.
func stage(t *testing.T, opts parse.AvroConfig, set parse.Settings, timeField ...string) *parse.Stage {
	t.Helper()
	cfg := parse.Config{Type: parse.TypeAvro, Options: conf.OptionsOf(&opts)}
	if len(timeField) > 0 {
		cfg.Time = parse.TimeConfig{Source: parse.SourceField, Field: timeField[0]}
	}
	st, err := parse.New(cfg, set)
	require.NoError(t, err)
	return st
}

// TestAvroRealParts: kafkajs with @kafkajs/confluent-schema-registry
// registers two versions of a schema in the schemaregistry process and
// produces to a kfake broker; the avro parser decodes what kgo reads back
// into typed fields of two schemas, with a registry, with the schema file
// (Confluent framing and bare), rejects garbage and unknown ids, and stops
// with ErrUnavailable when the registry process is gone.
func TestAvroRealParts(t *testing.T) {
	reg := schemaregistry.Start(t, schemaregistry.Options{})
	kc := kafkatest.Start(t, 1, "orders")
	placed := time.Date(2025, 11, 22, 10, 30, 0, 123_000_000, time.UTC)
	p0 := int32(0)
	r1 := srproducer.Produce(t, srproducer.Options{Registry: reg.URL(), Brokers: kc.Brokers(), Topic: "orders",
		Partition: &p0, Subject: "orders-value", Schema: orderV1,
		Records: []any{order(1, placed, 12345, nil), order(2, placed.Add(time.Minute), -50, nil)}})
	r2 := srproducer.Produce(t, srproducer.Options{Registry: reg.URL(), Brokers: kc.Brokers(), Topic: "orders",
		Partition: &p0, Subject: "orders-value", Schema: orderV2,
		Records: []any{order(3, placed, 999, "c@example.com"), order(4, placed, 1, nil)}})
	require.NotEqual(t, r1.ID, r2.ID)
	recs := consume(t, kc.Brokers(), "orders", 4)

	cl, err := schemareg.New(schemareg.Config{URL: schemareg.URLs{reg.URL()}, Timeout: 2 * time.Second})
	require.NoError(t, err)
	st := stage(t, parse.AvroConfig{Wire: parse.WireConfluent}, parse.Settings{Registry: cl}, "placed")
	garbage := model.Record{Offset: 100, Value: []byte("not avro at all")}
	unknown := model.Record{Offset: 101, Value: append([]byte{0, 0, 0, 0x7f, 0}, recs[0].Value[5:]...)}
	b := &model.Batch{Records: append(append([]model.Record{}, recs...), garbage, unknown)}
	require.NoError(t, st.ParseBatch(b))
	require.Len(t, b.Records, 4)
	require.Len(t, b.Rejected, 2)
	assert.Contains(t, b.Rejected[0].Reason, "decoding avro: magic byte 0x6e")
	assert.Contains(t, b.Rejected[1].Reason, "decoding avro: schema id 32512: not in the schema registry")

	s1, s2 := b.Records[0].Schema, b.Records[2].Schema
	assert.Equal(t, "avro:"+itoa(r1.ID), s1.ID)
	assert.Equal(t, "avro:"+itoa(r2.ID), s2.ID)
	assert.Same(t, s1, b.Records[1].Schema)
	assert.Len(t, s1.Fields, 8)
	assert.Len(t, s2.Fields, 9)
	total, _ := s1.Field("total")
	assert.Equal(t, "decimal(12, 2)", total.Type.String())

	f, err := b.Records[0].Fields()
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"id": int64(1), "placed": placed, "total": big.NewRat(12345, 100), "status": "PAID",
		"customer": map[string]any{"name": "Ann", "vip": false}, "note": nil,
		"items": []any{"book", "pen"}, "attrs": map[string]any{"gift": int64(1)}}, f)
	v, _ := b.Records[1].Field("total")
	assert.Equal(t, big.NewRat(-50, 100), v)
	v, _ = b.Records[2].Field("email")
	assert.Equal(t, "c@example.com", v)
	v, ok := b.Records[3].Field("email")
	assert.True(t, ok)
	assert.Nil(t, v)
	assert.Equal(t, placed.Add(time.Minute), b.Records[1].EventTime)
	assert.False(t, b.Records[1].EventTimeFallback)

	// Without a registry: the schema file, Confluent framing or bare.
	file := filepath.Join(t.TempDir(), "order.avsc")
	require.NoError(t, os.WriteFile(file, []byte(orderV1), 0o600))
	framed := stage(t, parse.AvroConfig{Wire: parse.WireConfluent, SchemaFile: file}, parse.Settings{})
	bare := stage(t, parse.AvroConfig{Wire: parse.WireBare, SchemaFile: file}, parse.Settings{})
	fb := &model.Batch{Records: []model.Record{{Value: recs[0].Value}}}
	bb := &model.Batch{Records: []model.Record{{Value: recs[0].Value[5:]}, {Value: recs[0].Value}}}
	require.NoError(t, framed.ParseBatch(fb))
	require.NoError(t, bare.ParseBatch(bb))
	require.Len(t, fb.Records, 1)
	require.Len(t, bb.Records, 1)
	assert.Regexp(t, `^avro:file:[0-9a-f]{12}$`, fb.Records[0].Schema.ID)
	ff, _ := fb.Records[0].Fields()
	bf, _ := bb.Records[0].Fields()
	assert.Equal(t, f, ff)
	assert.Equal(t, f, bf)
	require.Len(t, bb.Rejected, 1, "a framed value read as bare does not decode")

	// The registry process stops: known ids still decode, a new parser
	// (nothing cached) stops with ErrUnavailable, not a rejection.
	require.NoError(t, reg.Stop())
	again := &model.Batch{Records: []model.Record{{Value: recs[2].Value}}}
	require.NoError(t, st.ParseBatch(again))
	fresh := stage(t, parse.AvroConfig{Wire: parse.WireConfluent}, parse.Settings{Registry: cl})
	start := time.Now()
	err = fresh.ParseBatch(&model.Batch{Records: []model.Record{{Value: recs[0].Value}}})
	require.ErrorIs(t, err, parse.ErrUnavailable)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Zero(t, fresh.Stats().Rejected)
}

func itoa(i int) string { return big.NewInt(int64(i)).String() }
