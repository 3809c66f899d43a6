package commit

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
)

func TestFilteredKey(t *testing.T) {
	key := FilteredKey("events", 3, 1200)
	assert.Equal(t, "_sluice/filtered/events/3/00000000000000001200.json", key)
	topic, p, start, ok := ParseFilteredKey(key)
	require.True(t, ok)
	assert.Equal(t, "events", topic)
	assert.Equal(t, int32(3), p)
	assert.Equal(t, int64(1200), start)
	for _, bad := range []string{
		"_sluice/progress/events/3.json",
		"_sluice/filtered/events/3/1200.json",
		"_sluice/filtered/events/03/00000000000000001200.json",
		"_sluice/filtered/events/-1/00000000000000001200.json",
		"_sluice/filtered/events/3/00000000000000001200.txt",
		"_sluice/filtered//3/00000000000000001200.json",
		"_sluice/filtered/a/b/3/00000000000000001200.json",
	} {
		_, _, _, ok := ParseFilteredKey(bad)
		assert.False(t, ok, bad)
	}
}

// TestFilteredRoundTrip: a round's record of filtered offsets decodes back
// to itself, and its encoding does not depend on anything but the round.
func TestFilteredRoundTrip(t *testing.T) {
	ranges := []model.OffsetRange{{First: 10, Last: 12}, {First: 20, Last: 20}}
	r := &model.Round{Topic: "events", Partition: 1, Start: 10, End: 25, Records: 9, Filtered: 4, FilteredRanges: ranges,
		Trigger: "count", Files: []model.RoundFile{{Key: "x/events+1+00000000000000000010.parquet", Spill: "/tmp/a", Records: 9}}}
	f, ok := FilteredOf(r)
	require.True(t, ok)
	data, err := f.Encode()
	require.NoError(t, err)
	assert.Equal(t, `{"version":1,"topic":"events","partition":1,"start":10,"end":25,"count":4,`+
		`"ranges":[{"first":10,"last":12},{"first":20,"last":20}]}`+"\n", string(data))
	other := *r
	other.Trigger, other.Files, other.Records = "shutdown", nil, 0
	f2, _ := FilteredOf(&other)
	data2, err := f2.Encode()
	require.NoError(t, err)
	assert.Equal(t, data, data2, "a function of the offsets alone")
	back, err := DecodeFiltered(FilteredKey("events", 1, 10), data)
	require.NoError(t, err)
	assert.Equal(t, f, back)

	_, ok = FilteredOf(&model.Round{Topic: "events", Start: 0, End: 9, Records: 10})
	assert.False(t, ok, "nothing filtered, no record")
}

func TestDecodeFilteredRejects(t *testing.T) {
	key := FilteredKey("events", 1, 10)
	good := `{"version":1,"topic":"events","partition":1,"start":10,"end":25,"count":4,"ranges":[{"first":10,"last":12},{"first":20,"last":20}]}`
	tests := []struct{ name, key, data, want string }{
		{"bad key", "_sluice/filtered/events/1/10.json", good, "is not named"},
		{"not json", key, "{", "unexpected end"},
		{"version", key, strings.Replace(good, `"version":1`, `"version":2`, 1), "version 2"},
		{"other partition", key, strings.Replace(good, `"partition":1`, `"partition":2`, 1), "its key says"},
		{"other start", key, strings.Replace(good, `"start":10`, `"start":11`, 1), "its key says"},
		{"end before start", key, strings.Replace(good, `"end":25`, `"end":5`, 1), "before its start"},
		{"no ranges", key, `{"version":1,"topic":"events","partition":1,"start":10,"end":25,"count":0,"ranges":[]}`, "no ranges"},
		{"below start", key, strings.Replace(good, `"first":10`, `"first":9`, 1), "outside the round"},
		{"past end", key, strings.Replace(good, `"first":20,"last":20`, `"first":20,"last":26`, 1), "outside the round"},
		{"adjacent", key, strings.Replace(good, `"first":20`, `"first":13`, 1), "out of order"},
		{"unsorted", key, strings.Replace(good, `{"first":10,"last":12},{"first":20,"last":20}`, `{"first":20,"last":20},{"first":10,"last":12}`, 1), "out of order"},
		{"count", key, strings.Replace(good, `"count":4`, `"count":5`, 1), "count is 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeFiltered(tt.key, []byte(tt.data))
			require.ErrorIs(t, err, ErrBadFiltered)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	_, err := DecodeFiltered(key, []byte(good))
	require.NoError(t, err)
}

// TestProgressFilteredCompatible: a round's filtered count is in its
// reference, and a record written without it reads as 0.
func TestProgressFilteredCompatible(t *testing.T) {
	r := &model.Round{Topic: "events", Partition: 1, Start: 10, End: 25, Records: 12, Filtered: 4,
		FilteredRanges: []model.OffsetRange{{First: 10, Last: 13}}}
	assert.Equal(t, int64(4), Ref(r).Filtered)
	old := `{"version":1,"topic":"events","partition":1,"next_offset":26,` +
		`"last_round":{"start":10,"end":25,"records":16,"keys":["k"]},"owner":"o","updated_at":"2026-11-22T00:00:00Z"}`
	p, err := decodeProgress([]byte(old), "events", 1)
	require.NoError(t, err)
	require.NotNil(t, p.Last)
	assert.Zero(t, p.Last.Filtered)
	assert.Equal(t, int64(16), p.Last.Records)
}
