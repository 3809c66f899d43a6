package schema_test

import (
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/schema"
)

// BenchmarkFromJSON: the declared schema of the benchmark harness's records
// (cmd bench's typed row) over one of its records.
func BenchmarkFromJSON(b *testing.B) {
	var cfg schema.Config
	if err := yaml.Unmarshal([]byte(`
fields:
  - {name: id, type: string, nullable: false}
  - {name: ts, type: timestamp, unit: ms, format: unix_ms}
  - {name: event, type: string}
  - {name: user, type: int64}
  - {name: name, type: string}
  - {name: country, type: string}
  - {name: price, type: decimal, precision: 10, scale: 2}
  - {name: pad, type: string}
`), &cfg); err != nil {
		b.Fatal(err)
	}
	d, err := schema.Compile(cfg)
	if err != nil {
		b.Fatal(err)
	}
	value := []byte(`{"id":"9f86d081884c7d65","ts":1795300000123,"event":"click","user":123456,"name":"Ada Lovelace",` +
		`"country":"FR","price":123.45,"pad":"lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor"}`)
	b.ReportAllocs()
	for b.Loop() {
		m, err := d.FromJSON(value)
		if err != nil {
			b.Fatal(err)
		}
		if err := schema.Check(d.Schema(), m); err != nil {
			b.Fatal(err)
		}
	}
}
