package model

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOffsets(t *testing.T) {
	var s Offsets
	for _, o := range []int64{5, 6, 7, 10, 3, 8, 12, 11, 6} {
		s.Add(o)
	}
	assert.Equal(t, []OffsetRange{{3, 3}, {5, 8}, {10, 12}}, s.Ranges())
	assert.Equal(t, int64(8), s.Len())
	assert.True(t, s.Contains(7))
	assert.False(t, s.Contains(9))
	assert.False(t, s.Contains(2))
	assert.Equal(t, []int64{3, 5, 6, 7, 8, 10, 11, 12}, slices.Collect(s.All()))

	s.AddRange(OffsetRange{4, 4})
	assert.Equal(t, []OffsetRange{{3, 8}, {10, 12}}, s.Ranges())
	other := OffsetsOf(OffsetRange{20, 21}, OffsetRange{9, 9})
	s.Merge(other)
	assert.Equal(t, []OffsetRange{{3, 12}, {20, 21}}, s.Ranges())
	assert.Equal(t, int64(12), s.Len())
}

func TestBatchKeep(t *testing.T) {
	b := Batch{Records: []Record{{Offset: 1}, {Offset: 2}, {Offset: 3}, {Offset: 4}}}
	b.Keep(func(r *Record) bool { return r.Offset%2 == 0 })
	assert.Equal(t, 2, b.Len())
	assert.Equal(t, int64(2), b.Records[0].Offset)
	assert.Equal(t, []OffsetRange{{1, 1}, {3, 3}}, b.Filtered.Ranges())
}
