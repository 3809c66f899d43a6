package commit

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/model"
)

// FilteredPrefix is where the records of filtered offsets live, relative to
// the destination prefix.
const FilteredPrefix = "_sluice/filtered/"

// filteredVersion is the version of a Filtered record's JSON layout.
const filteredVersion = 1

// ErrBadFiltered means a record of filtered offsets cannot be decoded or
// contradicts itself or its key.
var ErrBadFiltered = errors.New("bad record of filtered offsets")

// Filtered is the durable record of the offsets of one round that stages
// removed on purpose (model.Batch.Keep): once the round is committed,
// nothing else says which of its offsets were dropped rather than lost. The
// upload stage writes it, with the round's files and before the round is
// committed, at FilteredKey(topic, partition, start) for every round with
// filtered records. Its bytes are a function of the round alone (no clock,
// no owner), so whoever writes a round again writes the same object.
type Filtered struct {
	Version   int    `json:"version"`
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	// Start and End are the round's first and last offset (model.Round).
	Start int64 `json:"start"`
	End   int64 `json:"end"`
	// Count is the number of filtered offsets, the sum of Ranges' lengths.
	Count int64 `json:"count"`
	// Ranges are the filtered offsets: sorted, disjoint, non-adjacent and
	// within [Start..End].
	Ranges []model.OffsetRange `json:"ranges"`
}

// FilteredKey is where the filtered offsets of the round of a partition
// starting at start live, relative to the destination prefix:
// "_sluice/filtered/<topic>/<partition>/<start, 20 digits>.json".
func FilteredKey(topic string, partition int32, start int64) string {
	return fmt.Sprintf("%s%s/%d/%020d.json", FilteredPrefix, topic, partition, start)
}

// ParseFilteredKey returns the partition and round start FilteredKey made
// key of; ok is false for any other key.
func ParseFilteredKey(key string) (topic string, partition int32, start int64, ok bool) {
	return parseRecordKey(FilteredPrefix, key)
}

// parseRecordKey parses "<prefix><topic>/<partition>/<start, 20 digits>.json".
func parseRecordKey(prefix, key string) (topic string, partition int32, start int64, ok bool) {
	rest, found := strings.CutPrefix(key, prefix)
	parts := strings.Split(rest, "/")
	if !found || len(parts) != 3 || parts[0] == "" {
		return "", 0, 0, false
	}
	name, isJSON := strings.CutSuffix(parts[2], ".json")
	p, perr := strconv.ParseInt(parts[1], 10, 32)
	s, serr := strconv.ParseInt(name, 10, 64)
	if !isJSON || len(name) != 20 || perr != nil || serr != nil || p < 0 || strconv.Itoa(int(p)) != parts[1] {
		return "", 0, 0, false
	}
	return parts[0], int32(p), s, true
}

// FilteredOf returns the record of r's filtered offsets; ok is false when r
// has none.
func FilteredOf(r *model.Round) (f Filtered, ok bool) {
	if len(r.FilteredRanges) == 0 {
		return Filtered{}, false
	}
	var n int64
	for _, x := range r.FilteredRanges {
		n += x.Last - x.First + 1
	}
	return Filtered{Version: filteredVersion, Topic: r.Topic, Partition: r.Partition, Start: r.Start, End: r.End,
		Count: n, Ranges: r.FilteredRanges}, true
}

// Encode returns f as the object's bytes: compact JSON and a newline, the
// same bytes for the same record.
func (f Filtered) Encode() ([]byte, error) {
	data, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("encoding filtered offsets of %s: %w", model.LaneOf(f.Topic, f.Partition), err)
	}
	return append(data, '\n'), nil
}

// DecodeFiltered decodes the object stored at key and checks it against the
// key and itself. Its errors wrap ErrBadFiltered.
func DecodeFiltered(key string, data []byte) (Filtered, error) {
	topic, partition, start, ok := ParseFilteredKey(key)
	if !ok {
		return Filtered{}, fmt.Errorf("%w: %q is not named %s<topic>/<partition>/<20-digit offset>.json", ErrBadFiltered, key, FilteredPrefix)
	}
	var f Filtered
	if err := json.Unmarshal(data, &f); err != nil {
		return Filtered{}, fmt.Errorf("%w: %q: %w", ErrBadFiltered, key, err)
	}
	if err := f.check(topic, partition, start); err != nil {
		return Filtered{}, fmt.Errorf("%w: %q: %w", ErrBadFiltered, key, err)
	}
	return f, nil
}

// check says how f disagrees with its key or with itself.
func (f Filtered) check(topic string, partition int32, start int64) error {
	switch {
	case f.Version != filteredVersion:
		return fmt.Errorf("version %d, want %d", f.Version, filteredVersion)
	case f.Topic != topic || f.Partition != partition || f.Start != start:
		return fmt.Errorf("holds the round at %d of %s, its key says the round at %d of %s",
			f.Start, model.LaneOf(f.Topic, f.Partition), start, model.LaneOf(topic, partition))
	case f.End < f.Start:
		return fmt.Errorf("round ends at %d before its start %d", f.End, f.Start)
	}
	return checkRanges(f.Start, f.End, f.Count, f.Ranges)
}

// checkRanges says how the ranges of a round's record of offsets disagree
// with the round start..end or with their count.
func checkRanges(start, end, count int64, ranges []model.OffsetRange) error {
	if len(ranges) == 0 {
		return errors.New("no ranges")
	}
	var n int64
	prev := start - 2 // a range may start at start, but not touch the one before
	for _, r := range ranges {
		if r.First <= prev+1 || r.Last < r.First || r.Last > end {
			return fmt.Errorf("range %d..%d is out of order, empty or outside the round %d..%d", r.First, r.Last, start, end)
		}
		n += r.Last - r.First + 1
		prev = r.Last
	}
	if n != count {
		return fmt.Errorf("count is %d, its ranges hold %d offsets", count, n)
	}
	return nil
}
