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
	RoundOffsets
}

// RoundOffsets is what the records of a round's filtered and rejected
// offsets share: the round, and the offsets as ranges. Embedded, its
// fields are the records' own in JSON.
type RoundOffsets struct {
	Version   int    `json:"version"`
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	// Start and End are the round's first and last offset (model.Round).
	Start int64 `json:"start"`
	End   int64 `json:"end"`
	// Count is the number of offsets, the sum of Ranges' lengths.
	Count int64 `json:"count"`
	// Ranges are the offsets: sorted, disjoint, non-adjacent and within
	// [Start..End].
	Ranges []model.OffsetRange `json:"ranges"`
}

// roundOffsets returns the record of ranges, offsets of r; ok is false
// when there are none.
func roundOffsets(r *model.Round, ranges []model.OffsetRange, version int) (o RoundOffsets, ok bool) {
	if len(ranges) == 0 {
		return RoundOffsets{}, false
	}
	var n int64
	for _, x := range ranges {
		n += x.Last - x.First + 1
	}
	return RoundOffsets{Version: version, Topic: r.Topic, Partition: r.Partition, Start: r.Start, End: r.End,
		Count: n, Ranges: ranges}, true
}

// check says how o disagrees with its key, its version or itself.
func (o RoundOffsets) check(topic string, partition int32, start int64, version int) error {
	switch {
	case o.Version != version:
		return fmt.Errorf("version %d, want %d", o.Version, version)
	case o.Topic != topic || o.Partition != partition || o.Start != start:
		return fmt.Errorf("holds the round at %d of %s, its key says the round at %d of %s",
			o.Start, model.LaneOf(o.Topic, o.Partition), start, model.LaneOf(topic, partition))
	case o.End < o.Start:
		return fmt.Errorf("round ends at %d before its start %d", o.End, o.Start)
	}
	return checkRanges(o.Start, o.End, o.Count, o.Ranges)
}

// encodeRecord returns v as an object's bytes: compact JSON and a newline,
// the same bytes for the same record.
func encodeRecord(what string, o RoundOffsets, v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding %s offsets of %s: %w", what, model.LaneOf(o.Topic, o.Partition), err)
	}
	return append(data, '\n'), nil
}

// decodeRecord decodes the record stored at key (named under prefix) into
// v and checks it with check; errors wrap errBad.
func decodeRecord[T any](key string, data []byte, prefix string, errBad error, check func(v T, topic string, partition int32, start int64) error) (T, error) {
	var v T
	topic, partition, start, ok := parseRecordKey(prefix, key)
	if !ok {
		return v, fmt.Errorf("%w: %q is not named %s<topic>/<partition>/<20-digit offset>.json", errBad, key, prefix)
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return v, fmt.Errorf("%w: %q: %w", errBad, key, err)
	}
	if err := check(v, topic, partition, start); err != nil {
		var zero T
		return zero, fmt.Errorf("%w: %q: %w", errBad, key, err)
	}
	return v, nil
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
	o, ok := roundOffsets(r, r.FilteredRanges, filteredVersion)
	return Filtered{o}, ok
}

// Encode returns f as the object's bytes: compact JSON and a newline, the
// same bytes for the same record.
func (f Filtered) Encode() ([]byte, error) { return encodeRecord("filtered", f.RoundOffsets, f) }

// DecodeFiltered decodes the object stored at key and checks it against the
// key and itself. Its errors wrap ErrBadFiltered.
func DecodeFiltered(key string, data []byte) (Filtered, error) {
	return decodeRecord(key, data, FilteredPrefix, ErrBadFiltered, func(f Filtered, topic string, partition int32, start int64) error {
		return f.check(topic, partition, start, filteredVersion)
	})
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
