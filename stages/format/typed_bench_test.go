package format_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/schema"
	"github.com/sluicehq/sluice/stages/format"
)

// BenchmarkEncodeTyped encodes the JSON events of BenchmarkEncodeLevels
// typed by a declared schema (id, ts, event, user, pad) as Parquet, beside
// the same events as the envelope: what typed columns cost to write.
func BenchmarkEncodeTyped(b *testing.B) {
	var cfg schema.Config
	require.NoError(b, yaml.Unmarshal([]byte(`
fields:
  - {name: id, type: string}
  - {name: ts, type: timestamp, unit: ms}
  - {name: event, type: string}
  - {name: user, type: int64}
  - {name: pad, type: string}
`), &cfg))
	d, err := schema.Compile(cfg)
	require.NoError(b, err)
	recs := eventRecords(50_000, 300)
	envPath, bytes := benchSpill(b, recs)
	typed := make([]model.Record, len(recs))
	for i, r := range recs {
		m, err := d.FromJSON(r.Value)
		require.NoError(b, err)
		typed[i] = r
		typed[i].SetTyped(d.Schema(), m)
	}
	layout, err := format.NewLayout(format.DefaultColumns(), d.Schema())
	require.NoError(b, err)
	typedPath := b.TempDir() + "/typed.arrow"
	w, err := format.NewLayoutSpillWriter(typedPath, layout, memory.NewGoAllocator())
	require.NoError(b, err)
	for i := range typed {
		w.Append(&typed[i])
	}
	require.NoError(b, w.Close())
	pq := format.Config{Type: format.TypeParquet}
	b.Run("envelope", func(b *testing.B) { benchEncode(b, envPath, bytes, pq) })
	b.Run("typed", func(b *testing.B) { benchEncode(b, typedPath, bytes, pq) })
}
