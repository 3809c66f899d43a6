package srproducer

import (
	"encoding/binary"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/sluicehq/sluice/testing/kafkatest"
)

// TestProduce: the producer registers Protobuf and JSON Schema schemas too,
// and writes the Confluent framing (with Protobuf's message indexes).
func TestProduce(t *testing.T) {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	kc := kafkatest.Start(t, 1, "p", "j")
	proto := Produce(t, Options{Registry: reg.URL(), Brokers: kc.Brokers(), Topic: "p", Subject: "p-value", Type: Protobuf,
		Schema:      "syntax = \"proto3\";\npackage demo;\nmessage A { string x = 1; }\nmessage B { int64 n = 1; string s = 2; }\n",
		MessageName: "B", Records: []any{map[string]any{"n": 5, "s": "hi"}}})
	js := Produce(t, Options{Registry: reg.URL(), Brokers: kc.Brokers(), Topic: "j", Subject: "j-value", Type: JSON,
		Schema:  `{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]}`,
		Records: []any{map[string]any{"a": 7}, nil}})
	assert.Equal(t, 1, proto.Produced)
	assert.Equal(t, 2, js.Produced)
	s, err := sr.NewClient(sr.URLs(reg.URL()))
	require.NoError(t, err)
	got, err := s.SchemaByID(t.Context(), proto.ID)
	require.NoError(t, err)
	assert.Equal(t, sr.TypeProtobuf, got.Type)

	cl, err := kgo.NewClient(kgo.SeedBrokers(kc.Brokers()...), kgo.ConsumeTopics("p", "j"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	defer cl.Close()
	byTopic := map[string][]*kgo.Record{}
	for deadline := time.Now().Add(30 * time.Second); len(byTopic["p"])+len(byTopic["j"]) < 3 && time.Now().Before(deadline); {
		cl.PollFetches(t.Context()).EachRecord(func(r *kgo.Record) { byTopic[r.Topic] = append(byTopic[r.Topic], r) })
	}
	require.Len(t, byTopic["p"], 1)
	require.Len(t, byTopic["j"], 2)
	pv := byTopic["p"][0].Value
	assert.Equal(t, byte(0), pv[0])
	assert.Equal(t, uint32(proto.ID), binary.BigEndian.Uint32(pv[1:5]))
	assert.Equal(t, []byte{2, 2}, pv[5:7], "message indexes [1]: count 1, index 1, zigzag")
	jv := byTopic["j"][0].Value
	assert.Equal(t, uint32(js.ID), binary.BigEndian.Uint32(jv[1:5]))
	var doc map[string]any
	require.NoError(t, json.Unmarshal(jv[5:], &doc))
	assert.Equal(t, map[string]any{"a": float64(7)}, doc)
	assert.Nil(t, byTopic["j"][1].Value, "a null line is a tombstone")
}
