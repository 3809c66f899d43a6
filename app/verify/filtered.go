package verify

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/transport/objstore"
)

// maxFilteredObject bounds the bytes read of one record of filtered
// offsets (a round of a million records filtered every other one is about
// 20 MiB).
const maxFilteredObject = 256 << 20

// readFiltered reads the record of filtered offsets o.
func readFiltered(ctx context.Context, st objstore.Store, o object) (commit.Filtered, error) {
	rc, err := st.Open(ctx, o.key)
	if err != nil {
		return commit.Filtered{}, fmt.Errorf("opening %q: %w", o.key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxFilteredObject+1))
	if err != nil {
		return commit.Filtered{}, fmt.Errorf("reading %q: %w", o.key, err)
	}
	if len(data) > maxFilteredObject {
		return commit.Filtered{}, fmt.Errorf("reading %q: %w: larger than %d bytes", o.key, commit.ErrBadFiltered, maxFilteredObject)
	}
	return commit.DecodeFiltered(o.key, data)
}

// addFiltered merges one round's record of filtered offsets into its lane.
func (s *laneSet) addFiltered(o object, f commit.Filtered, err error) {
	ln := s.lane(laneKey{o.name.Topic, o.name.Partition})
	if err != nil {
		ln.violation(KindFilteredBad, nil, []string{o.key}, "%v", err)
		return
	}
	lo, hi := f.Ranges[0].First, f.Ranges[len(f.Ranges)-1].Last
	for _, r := range f.Ranges {
		for _, twice := range ln.filtered.Add(r.First, r.Last) {
			ln.violation(KindFilteredBad, &twice, append([]string{o.key}, keysOver(ln.filteredObjs, twice)...),
				"offsets %s are recorded as filtered twice", twice)
		}
	}
	ln.filteredObjs = append(ln.filteredObjs, objRange{o.key, lo, hi})
	rd := ln.round(f.Start)
	rd.end, rd.hasEnd = f.End, true
	rd.keys = append(rd.keys, o.key)
}

// keysOver returns the keys of the objects whose offsets span r.
func keysOver(objs []objRange, r Range) []string {
	var keys []string
	for _, o := range objs {
		if o.min <= r.End && o.max >= r.Start {
			keys = append(keys, o.key)
		}
	}
	return keys
}

// settle runs once every object is read: it merges each lane's stored and
// filtered offsets into the offsets accounted for and lists their gaps.
func (s *laneSet) settle() {
	for _, ln := range s.lanes {
		ln.settle()
	}
}

// settle makes ln.covered (offsets stored or filtered), reports offsets
// that are both, and lists the gaps: the ranges between covered offsets,
// and before the first one from the smallest round start (a round's name
// says its first offset is a record).
func (ln *lane) settle() {
	ln.covered = ln.runs.clone()
	ln.cover(&ln.filtered, KindFilteredStored, "filtered and stored in an object too", ln.filteredObjs, ln.objects)
	ln.cover(&ln.rejected, KindRejectedStored, "dead-lettered and stored (or filtered) too", ln.rejectedObjs, ln.objects, ln.filteredObjs)
	ln.gaps = ln.covered.Gaps()
	if ln.covered.Empty() {
		return
	}
	lowest := ln.covered.Min()
	for start := range ln.rounds {
		lowest = min(lowest, start)
	}
	if lowest < ln.covered.Min() {
		ln.gaps = append([]Range{{lowest, ln.covered.Min() - 1}}, ln.gaps...)
	}
}

// checkFilteredRound says how a round's files disagree with its record of
// filtered offsets: the offsets before its files' first one must be
// filtered (else the files are misnamed), and its files must not hold
// offsets past the round's end.
func (ln *lane) checkFilteredRound(rd *round) {
	if !rd.hasFiles {
		return
	}
	switch {
	case rd.min < rd.start:
		ln.violation(KindRoundStart, &Range{rd.min, rd.max}, rd.keys,
			"round named %d starts at offset %d: files must be named by the round's first offset", rd.start, rd.min)
	case rd.min > rd.start && !ln.droppedCover(rd.start, rd.min-1):
		ln.violation(KindRoundStart, &Range{rd.min, rd.max}, rd.keys,
			"round named %d starts at offset %d, and offsets %s are not recorded as filtered or dead-lettered: "+
				"files must be named by the round's first offset", rd.start, rd.min, Range{rd.start, rd.min - 1})
	}
	if rd.hasEnd && rd.max > rd.end {
		r := Range{rd.end + 1, rd.max}
		ln.violation(KindFilteredBad, &r, rd.keys, "round %d..%d (as its record of filtered or rejected offsets says) has files holding offsets %s",
			rd.start, rd.end, r)
	}
}

// cover adds the offsets of runs to those accounted for (ln.covered) and
// reports, as kind, those accounted for already, naming the objects of objs
// over them: offsets recorded as what.
func (ln *lane) cover(runs *Runs, kind, what string, objs ...[]objRange) {
	var both []Range
	var n int64
	for _, r := range runs.Ranges() {
		for _, o := range ln.covered.Add(r.Start, r.End) {
			both = append(both, o)
			n += o.Len()
		}
	}
	if n == 0 {
		return
	}
	span := Range{both[0].Start, both[len(both)-1].End}
	var keys []string
	for _, r := range both {
		for _, os := range objs {
			keys = append(keys, keysOver(os, r)...)
		}
	}
	slices.Sort(keys)
	shown, more := both[:min(len(both), maxLostRuns)], ""
	if len(both) > len(shown) {
		more = ", ..."
	}
	ln.violation(kind, &span, slices.Compact(keys), "%d offsets are recorded as %s (%s%s)", n, what, joinRanges(shown), more)
}
