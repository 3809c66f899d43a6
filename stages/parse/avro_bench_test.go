package parse

import (
	"testing"
	"time"

	"github.com/sluicehq/sluice/model"
)

// benchSchema is a 10-field record: the shape of a typical event.
const benchSchema = `{"type":"record","name":"Event","fields":[
	{"name":"id","type":"long"},
	{"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
	{"name":"user","type":"string"},
	{"name":"action","type":{"type":"enum","name":"Action","symbols":["view","click","buy"]}},
	{"name":"country","type":"string"},
	{"name":"amount","type":"double"},
	{"name":"qty","type":"int"},
	{"name":"ok","type":"boolean"},
	{"name":"ref","type":["null","string"]},
	{"name":"tags","type":{"type":"array","items":"string"}}]}`

// BenchmarkAvroDecode decodes one 10-field record per op, Confluent
// framing, schema already cached.
func BenchmarkAvroDecode(b *testing.B) {
	cs, err := compileAvro("avro:1", mustParseAvro(b, benchSchema))
	if err != nil {
		b.Fatal(err)
	}
	p := &avroParser{file: cs}
	value := confluent(1, avroEncode(b, benchSchema, map[string]any{
		"id": int64(123456789), "ts": time.UnixMilli(1763773323123), "user": "user-4711", "action": "click",
		"country": "FR", "amount": 12.5, "qty": int32(3), "ok": true, "ref": "campaign-17", "tags": []any{"a", "bb"},
	}))
	b.SetBytes(int64(len(value)))
	b.ReportAllocs()
	rec := model.Record{Value: value}
	for b.Loop() {
		if err := p.Decode(&rec); err != nil {
			b.Fatal(err)
		}
	}
}
