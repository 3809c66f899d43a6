package verify

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/stages/deadletter"
	"github.com/sluicehq/sluice/stages/format"
	"github.com/sluicehq/sluice/transport/objstore"
)

// rejectedRead is what reading a round's record of rejected offsets found:
// the record, and for the bucket destination a problem with its
// dead-letter file (missing, unreadable, or not holding exactly the
// record's offsets).
type rejectedRead struct {
	rec     commit.Rejected
	err     error
	fileErr error
}

// readRejected reads the record of rejected offsets o and, when its records
// went to the bucket, the dead-letter file it names.
func readRejected(ctx context.Context, st objstore.Store, o object) rejectedRead {
	rc, err := st.Open(ctx, o.key)
	if err != nil {
		return rejectedRead{err: fmt.Errorf("opening %q: %w", o.key, err)}
	}
	data, err := io.ReadAll(io.LimitReader(rc, maxFilteredObject+1))
	rc.Close()
	switch {
	case err != nil:
		return rejectedRead{err: fmt.Errorf("reading %q: %w", o.key, err)}
	case len(data) > maxFilteredObject:
		return rejectedRead{err: fmt.Errorf("reading %q: %w: larger than %d bytes", o.key, commit.ErrBadRejected, maxFilteredObject)}
	}
	rj, err := commit.DecodeRejected(o.key, data)
	if err != nil {
		return rejectedRead{err: err}
	}
	out := rejectedRead{rec: rj}
	if rj.Destination == deadletter.DestinationBucket {
		out.fileErr = checkDeadLetterFile(ctx, st, rj)
	}
	return out
}

// checkDeadLetterFile says how the bucket's dead-letter file of rj differs
// from it: it must be where rj says, named for rj's round, and hold one
// line per offset rj lists, each the record of that offset, in order.
func checkDeadLetterFile(ctx context.Context, st objstore.Store, rj commit.Rejected) error {
	topic, p, start, compression, ok := deadletter.ParseKey(rj.Key)
	if !ok || topic != rj.Topic || p != rj.Partition || start != rj.Start {
		return fmt.Errorf("names %q, not the dead-letter file of its round", rj.Key)
	}
	rc, err := st.Open(ctx, rj.Key)
	if err != nil {
		return fmt.Errorf("opening the dead-letter file %q: %w", rj.Key, err)
	}
	defer rc.Close()
	r, err := format.Decompress(rc, compression)
	if err != nil {
		return fmt.Errorf("reading the dead-letter file %q: %w", rj.Key, err)
	}
	defer r.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<30)
	// The offsets, merged into ranges as they come (in order, each once),
	// against the record's ranges: memory by ranges, not by records.
	var got model.Offsets
	lines := 0
	for sc.Scan() {
		lines++
		rej, err := format.ParseRejection(sc.Bytes())
		if err != nil {
			return fmt.Errorf("reading the dead-letter file %q: line %d: %w", rj.Key, lines, err)
		}
		if rej.Record.Topic != rj.Topic || rej.Record.Partition != rj.Partition {
			return fmt.Errorf("the dead-letter file %q holds a record of %s/%d", rj.Key, rej.Record.Topic, rej.Record.Partition)
		}
		if rs := got.Ranges(); len(rs) > 0 && rej.Record.Offset <= rs[len(rs)-1].Last {
			return fmt.Errorf("the dead-letter file %q holds %d records, not exactly the %d rejected offsets its record lists",
				rj.Key, lines, rj.Count)
		}
		got.Add(rej.Record.Offset)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading the dead-letter file %q: %w", rj.Key, err)
	}
	if !slices.Equal(got.Ranges(), rj.Ranges) {
		return fmt.Errorf("the dead-letter file %q holds %d records, not exactly the %d rejected offsets its record lists",
			rj.Key, lines, rj.Count)
	}
	return nil
}

// addRejected merges one round's record of rejected offsets into its lane.
func (s *laneSet) addRejected(o object, rr rejectedRead) {
	ln := s.lane(laneKey{o.name.Topic, o.name.Partition})
	if rr.err != nil {
		ln.violation(KindRejectedBad, nil, []string{o.key}, "%v", rr.err)
		return
	}
	rj := rr.rec
	lo, hi := rj.Ranges[0].First, rj.Ranges[len(rj.Ranges)-1].Last
	if rr.fileErr != nil {
		r := Range{lo, hi}
		ln.violation(KindRejectedBad, &r, []string{o.key, rj.Key}, "%v", rr.fileErr)
	}
	for _, x := range rj.Ranges {
		for _, twice := range ln.rejected.Add(x.First, x.Last) {
			ln.violation(KindRejectedBad, &twice, append([]string{o.key}, keysOver(ln.rejectedObjs, twice)...),
				"offsets %s are recorded as dead-lettered twice", twice)
		}
	}
	ln.rejectedObjs = append(ln.rejectedObjs, objRange{o.key, lo, hi})
	rd := ln.round(rj.Start)
	if rd.hasEnd && rd.end != rj.End {
		r := Range{rj.Start, max(rd.end, rj.End)}
		ln.violation(KindRejectedBad, &r, []string{o.key}, "round %d ends at %d as its record of rejected offsets says, at %d as its record of filtered offsets says",
			rj.Start, rj.End, rd.end)
	}
	rd.end, rd.hasEnd = rj.End, true
	rd.keys = append(rd.keys, o.key)
}

// droppedCover reports whether every offset lo..hi is recorded as filtered
// or dead-lettered.
func (ln *lane) droppedCover(lo, hi int64) bool {
	if ln.filtered.Covers(lo, hi) || ln.rejected.Covers(lo, hi) {
		return true
	}
	both := ln.filtered.clone()
	both.AddRuns(&ln.rejected)
	return both.Covers(lo, hi)
}
