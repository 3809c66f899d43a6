package parse

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/schema"
)

// TestDeclaredEventTime: with a declared schema whose timestamp field reads
// the json parser's time field the same way, the event time is the typed
// value (the JSON is not parsed again); read another way, the json
// parser's own; a record the schema rejects has none.
func TestDeclaredEventTime(t *testing.T) {
	var sc schema.Config
	require.NoError(t, yaml.Unmarshal([]byte(`{fields: [{name: at, type: timestamp, format: unix_ms, path: meta.ts}, {name: n, type: int64, nullable: false}]}`), &sc))
	d, err := schema.Compile(sc)
	require.NoError(t, err)
	want := time.UnixMilli(1795300000123).UTC()
	for format, typed := range map[string]bool{FormatUnixMS: true, FormatAuto: false} {
		s, err := New(Config{Type: TypeJSON, JSON: JSONConfig{TimeField: "meta.ts", TimeFormat: format}}, Settings{Schema: d})
		require.NoError(t, err)
		_, isTyped := s.parser.(typedTime)
		assert.Equal(t, typed, isTyped, format)
		b := &model.Batch{Records: []model.Record{
			{Offset: 0, Value: []byte(`{"meta":{"ts":1795300000123},"n":1}`)},
			{Offset: 1, Value: []byte(`{"meta":{"ts":1795300000123}}`)},
		}}
		require.NoError(t, s.ParseBatch(b))
		require.Len(t, b.Records, 1, format)
		assert.Equal(t, want, b.Records[0].EventTime, format)
		assert.False(t, b.Records[0].EventTimeFallback, format)
		require.Len(t, b.Rejected, 1)
	}
}
