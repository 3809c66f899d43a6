package pipeline

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/format"
)

// TestFitBatch: before the buffer, records whose files could not take them
// are dead-lettered with their original value: a value that is not UTF-8
// for a string value column, typed fields a stage set to values that do
// not convert, a schema whose field is named like an envelope column; a
// stage's JSON-shaped values are converted to the schema's types.
func TestFitBatch(t *testing.T) {
	typed := &model.Schema{ID: "t:1", Conforming: true, Fields: []arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}}
	clash := &model.Schema{ID: "t:2", Fields: []arrow.Field{{Name: "_offset", Type: arrow.PrimitiveTypes.Int64}}}
	cols := format.DefaultColumns()
	cols.ValueType = format.ValueString
	layouts := format.NewLayouts(cols)

	recs := make([]model.Record, 6)
	recs[0] = model.Record{Offset: 0, Value: []byte(`{"n":1}`)}
	recs[1] = model.Record{Offset: 1, Value: []byte("\xff\xfe not UTF-8")}
	recs[2] = model.Record{Offset: 2, Value: []byte("raw-2")}
	recs[2].SetTyped(typed, map[string]any{"n": int64(2)})
	require.NoError(t, recs[2].SetField("n", "twenty")) // a stage's mistake
	recs[3] = model.Record{Offset: 3, Value: []byte("raw-3")}
	recs[3].SetTyped(typed, map[string]any{"n": int64(3)})
	require.NoError(t, recs[3].SetField("n", "30")) // JSON-shaped: converts
	recs[4] = model.Record{Offset: 4, Value: []byte("raw-4")}
	recs[4].SetTyped(clash, map[string]any{"_offset": int64(4)})
	recs[5] = model.Record{Offset: 5, Value: nil} // a tombstone fits

	b := &model.Batch{Records: recs}
	fitBatch(b, layouts)
	var kept []int64
	for _, r := range b.Records {
		kept = append(kept, r.Offset)
	}
	assert.Equal(t, []int64{0, 3, 5}, kept)
	n, _ := b.Records[1].Field("n")
	assert.Equal(t, int64(30), n, "the stage's text converted to the column's int64")

	require.Len(t, b.Rejected, 3)
	assert.Contains(t, b.Rejected[0].Reason, "not valid UTF-8")
	assert.Equal(t, "\xff\xfe not UTF-8", string(b.Rejected[0].Record.Value))
	assert.Contains(t, b.Rejected[1].Reason, "field n")
	assert.Equal(t, "raw-2", string(b.Rejected[1].Record.Value), "the value it was read with, not the stage's JSON")
	assert.Contains(t, b.Rejected[2].Reason, `"_offset" has the name of the envelope's offset column`)
}
