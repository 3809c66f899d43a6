package verify

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunsAdd(t *testing.T) {
	tests := []struct {
		name    string
		adds    []Range
		runs    []Range
		overlap []Range
		count   int64
		gaps    []Range
	}{
		{name: "empty"},
		{name: "one", adds: []Range{{5, 9}}, runs: []Range{{5, 9}}, count: 5},
		{name: "in order adjacent merge", adds: []Range{{0, 4}, {5, 9}, {10, 10}}, runs: []Range{{0, 10}}, count: 11},
		{name: "in order with gap", adds: []Range{{0, 4}, {7, 9}}, runs: []Range{{0, 4}, {7, 9}}, count: 8, gaps: []Range{{5, 6}}},
		{name: "out of order fills gap", adds: []Range{{0, 4}, {10, 14}, {5, 9}}, runs: []Range{{0, 14}}, count: 15},
		{name: "insert before first", adds: []Range{{10, 14}, {0, 3}}, runs: []Range{{0, 3}, {10, 14}}, count: 9, gaps: []Range{{4, 9}}},
		{name: "insert between, not touching", adds: []Range{{0, 1}, {10, 11}, {5, 6}}, runs: []Range{{0, 1}, {5, 6}, {10, 11}}, count: 6, gaps: []Range{{2, 4}, {7, 9}}},
		{name: "exact duplicate", adds: []Range{{0, 9}, {0, 9}}, runs: []Range{{0, 9}}, overlap: []Range{{0, 9}}, count: 10},
		{name: "partial overlap at end", adds: []Range{{0, 9}, {5, 14}}, runs: []Range{{0, 14}}, overlap: []Range{{5, 9}}, count: 15},
		{name: "overlap spanning two runs", adds: []Range{{0, 4}, {10, 14}, {3, 11}}, runs: []Range{{0, 14}}, overlap: []Range{{3, 4}, {10, 11}}, count: 15},
		{name: "single offsets duplicate", adds: []Range{{7, 7}, {7, 7}, {7, 7}}, runs: []Range{{7, 7}}, overlap: []Range{{7, 7}, {7, 7}}, count: 1},
		{name: "contained", adds: []Range{{0, 100}, {40, 50}}, runs: []Range{{0, 100}}, overlap: []Range{{40, 50}}, count: 101},
		{name: "inverted ignored", adds: []Range{{5, 4}}, count: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Runs
			var overlap []Range
			for _, r := range tt.adds {
				overlap = append(overlap, s.Add(r.Start, r.End)...)
			}
			assert.Equal(t, tt.runs, s.Ranges())
			assert.Equal(t, tt.overlap, overlap)
			assert.Equal(t, tt.count, s.Count())
			assert.Equal(t, tt.gaps, s.Gaps())
		})
	}
}

func TestRunBuilder(t *testing.T) {
	tests := []struct {
		name    string
		offsets []int64
		runs    []Range
		overlap []Range
	}{
		{name: "contiguous", offsets: []int64{3, 4, 5, 6}, runs: []Range{{3, 6}}},
		{name: "holes", offsets: []int64{0, 1, 3, 4, 8}, runs: []Range{{0, 1}, {3, 4}, {8, 8}}},
		{name: "unsorted", offsets: []int64{5, 6, 0, 1, 2, 3, 4}, runs: []Range{{0, 6}}},
		{name: "repeated in a row", offsets: []int64{1, 2, 2, 3}, runs: []Range{{1, 3}}, overlap: []Range{{2, 2}}},
		{name: "repeated later", offsets: []int64{1, 2, 3, 9, 2}, runs: []Range{{1, 3}, {9, 9}}, overlap: []Range{{2, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b runBuilder
			for _, o := range tt.offsets {
				b.add(o)
			}
			s, overlap := b.done()
			assert.Equal(t, tt.runs, s.Ranges())
			assert.Equal(t, tt.overlap, overlap)
		})
	}
}

func TestRunsQueries(t *testing.T) {
	var s Runs
	s.Add(10, 19)
	s.Add(30, 39)
	tests := []struct {
		limit int64
		top   int64
		ok    bool
	}{{5, 0, false}, {10, 0, false}, {11, 10, true}, {25, 19, true}, {35, 34, true}, {100, 39, true}}
	for _, tt := range tests {
		top, ok := s.MaxBelow(tt.limit)
		require.Equal(t, tt.ok, ok, "limit %d", tt.limit)
		require.Equal(t, tt.top, top, "limit %d", tt.limit)
	}
	assert.Equal(t, []Range{{35, 39}}, s.Outside(10, 34))
	assert.Equal(t, []Range{{10, 11}, {38, 39}}, s.Outside(12, 37))
	assert.Nil(t, s.Outside(0, 100))
	assert.Equal(t, int64(10), s.Min())
	assert.Equal(t, int64(39), s.Max())
}

func TestParseName(t *testing.T) {
	tests := []struct {
		key  string
		want Name
		bad  bool
	}{
		{key: "events/dt=2026-11-22/hr=01/events+0+00000000000000001000.parquet", want: Name{"events", 0, 1000, 0, "parquet"}},
		{key: "events/dt=2026-11-22/hr=01/events+0+00000000000000001000.2.parquet", want: Name{"events", 0, 1000, 2, "parquet"}},
		{key: "x/t+1+00000000000000000000.0.parquet", bad: true},
		{key: "a/b+c+12+00000000000000000007.jsonl.zst", want: Name{"b+c", 12, 7, 0, "jsonl.zst"}},
		{key: "x/t+1+00000000000000000000.jsonl.gz", want: Name{"t", 1, 0, 0, "jsonl.gz"}},
		{key: "x/t+2+00000000000000000009.avro", want: Name{"t", 2, 9, 0, "avro"}},
		{key: "x/t+2+00000000000000000009.1.avro", want: Name{"t", 2, 9, 1, "avro"}},
		{key: "x/t+2+00000000000000000009.avro.zst", bad: true},
		{key: "x/t+1+0000000000000000000.parquet", bad: true},
		{key: "x/t+1+00000000000000000000.csv", bad: true},
		{key: "x/t+99999999999+00000000000000000000.jsonl", bad: true},
		{key: "x/t+1+99999999999999999999.jsonl", bad: true},
		{key: "README", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got, err := ParseName(tt.key)
			if tt.bad {
				require.ErrorIs(t, err, ErrBadName)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRunsCovers(t *testing.T) {
	var s Runs
	s.Add(0, 4)
	s.Add(10, 14)
	for _, tt := range []struct {
		lo, hi int64
		want   bool
	}{{0, 4, true}, {1, 3, true}, {10, 10, true}, {0, 5, false}, {4, 10, false}, {5, 9, false}, {-1, 0, false}, {14, 15, false}, {20, 20, false}} {
		assert.Equal(t, tt.want, s.Covers(tt.lo, tt.hi), "%d..%d", tt.lo, tt.hi)
	}
	c := s.clone()
	c.Add(5, 9)
	assert.Equal(t, []Range{{0, 4}, {10, 14}}, s.Ranges(), "a clone is a copy")
	assert.Equal(t, int64(15), c.Count())
}
