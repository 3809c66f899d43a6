package parse_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/parse"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/testing/schemaregistry"
	"github.com/sluicehq/sluice/testing/srproducer"
	"github.com/sluicehq/sluice/transport/schemareg"
)

// A shipment in Protobuf: two messages in one file, the second the one
// produced (the Confluent message index [1]).
const shipmentProto = `syntax = "proto3";
package demo;
message Note { string text = 1; }
message Shipment {
  int64 id = 1;
  string carrier = 2;
  repeated string parcels = 3;
  Note note = 4;
  optional double weight = 5;
}
`

// TestProtobufRealParts: kafkajs with @kafkajs/confluent-schema-registry
// registers a .proto schema in the schemaregistry process and produces
// Protobuf records of its second message to kfake; the protobuf parser,
// with the registry, decodes what kgo reads back into typed fields.
func TestProtobufRealParts(t *testing.T) {
	reg := schemaregistry.Start(t, schemaregistry.Options{})
	kc := kafkatest.Start(t, 1, "shipments")
	p0 := int32(0)
	res := srproducer.Produce(t, srproducer.Options{Registry: reg.URL(), Brokers: kc.Brokers(), Topic: "shipments",
		Partition: &p0, Subject: "shipments-value", Type: srproducer.Protobuf, Schema: shipmentProto, MessageName: "Shipment",
		Records: []any{
			map[string]any{"id": 7, "carrier": "ups", "parcels": []string{"a", "b"}, "note": map[string]any{"text": "fragile"}, "weight": 2.5},
			map[string]any{"id": 8, "carrier": "dhl"},
		}})
	require.Equal(t, 2, res.Produced)
	recs := consume(t, kc.Brokers(), "shipments", 2)

	cl, err := schemareg.New(schemareg.Config{URL: schemareg.URLs{reg.URL()}, Timeout: 2 * time.Second})
	require.NoError(t, err)
	st, err := parse.New(parse.Config{Type: parse.TypeProtobuf, Options: conf.OptionsOf(&parse.ProtobufConfig{Wire: parse.WireConfluent})},
		parse.Settings{Registry: cl})
	require.NoError(t, err)
	b := &model.Batch{Records: recs}
	require.NoError(t, st.ParseBatch(b))
	require.Empty(t, b.Rejected)
	require.Len(t, b.Records, 2)
	assert.Equal(t, "protobuf:"+itoa(res.ID)+":demo.Shipment", b.Records[0].Schema.ID)
	f, err := b.Records[0].Fields()
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"id": int64(7), "carrier": "ups", "parcels": []any{"a", "b"},
		"note": map[string]any{"text": "fragile"}, "weight": 2.5}, f)
	f, err = b.Records[1].Fields()
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"id": int64(8), "carrier": "dhl", "parcels": []any{}}, f, "unset optional and message fields are absent")
}
