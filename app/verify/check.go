package verify

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/stages/commit"
)

// check runs the checks that need the whole lane and returns its verdict.
func (ln *lane) check() Partition {
	p := Partition{Topic: ln.key.topic, Partition: ln.key.partition, Objects: len(ln.objects),
		Records: ln.runs.Count(), Filtered: ln.filtered.Count(), DeadLettered: ln.rejected.Count(), Duplicates: ln.dups}
	if !ln.covered.Empty() {
		lo, hi := ln.covered.Min(), ln.covered.Max()
		p.Min, p.Max = &lo, &hi
	}
	var pending *Range
	if pr := ln.progress; pr != nil {
		next := pr.Next
		p.NextOffset = &next
		if pr.Pending != nil {
			pending = &Range{pr.Pending.Start, pr.Pending.End}
			p.Pending = pending
		}
	}
	ln.checkRounds()
	ln.lag(&p)
	ln.checkGaps(&p, pending)
	ln.checkProgress(pending)
	p.Findings = ln.findings
	return p
}

// checkRounds checks every round's name against its files and its record
// of filtered offsets, and that rounds do not overlap.
func (ln *lane) checkRounds() {
	rounds := slices.SortedFunc(maps.Values(ln.rounds), func(a, b *round) int { return cmp.Compare(a.start, b.start) })
	for i, rd := range rounds {
		ln.checkFilteredRound(rd)
		if i == 0 {
			continue
		}
		if prev := rounds[i-1]; prev.top() >= rd.start {
			r := Range{rd.start, min(prev.top(), rd.top())}
			ln.violation(KindRoundOverlap, &r, append(slices.Clone(prev.keys), rd.keys...),
				"round %d..%d overlaps round named %d", prev.start, prev.top(), rd.start)
		}
	}
}

// checkGaps reports the ranges missing inside the range accounted for
// (offsets stored or recorded as filtered; see settle). Gaps inside
// the pending round are expected while it is being completed (and offsets
// between next_offset and the pending round's start do not exist in Kafka).
// Other gaps are classified by what the broker said (see classify): offsets
// Kafka has no record at are counted, offsets below its log start offset
// are unverifiable, offsets it holds are lost; a gap the broker was not
// asked about is unverified.
func (ln *lane) checkGaps(p *Partition, pending *Range) {
	for _, g := range ln.gaps {
		p.Gaps = append(p.Gaps, g)
		p.GapOffsets += g.Len()
		if ln.inPending(g) {
			ln.warning(KindPendingIncomplete, &g, nil, "offsets %s missing inside the pending round %s (not committed yet)", g, *pending)
			continue
		}
		v := ln.verdicts[g.Start]
		if v == nil {
			p.UnverifiedOffsets += g.Len()
			ln.violation(KindGap, &g, nil, "unverified gap: offsets %s are not stored (%d missing)", g, g.Len())
			continue
		}
		p.KafkaGapOffsets += v.kafka
		if r := v.retention; r != nil {
			p.RetentionOffsets += r.Len()
			ln.warning(KindRetention, r, nil, "unverifiable (retention): offsets %s are not stored and are below the log start offset %d: "+
				"Kafka deleted them, so a loss cannot be told from a gap Kafka had", *r, ln.wm.Start)
		}
		if v.lost > 0 {
			p.LostOffsets += v.lost
			r := v.lostSpan
			more := ""
			if v.lost > sumLen(v.lostRuns) {
				more = ", ..."
			}
			ln.violation(KindLost, &r, nil, "Kafka holds %d records at offsets %s that no object stores (%s%s)",
				v.lost, r, joinRanges(v.lostRuns), more)
		}
		for _, r := range v.unverified {
			p.UnverifiedOffsets += r.Len()
			ln.violation(KindGap, &r, nil, "unverified gap: offsets %s are not stored (%d missing): %s", r, r.Len(), v.reason)
		}
	}
}

// inPending reports whether gap g lies between next_offset and the end of
// the pending round.
func (ln *lane) inPending(g Range) bool {
	pr := ln.progress
	return pr != nil && pr.Pending != nil && g.Start >= pr.Next && g.End <= pr.Pending.End
}

func sumLen(rs []Range) int64 {
	var n int64
	for _, r := range rs {
		n += r.Len()
	}
	return n
}

func joinRanges(rs []Range) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return strings.Join(out, ", ")
}

// checkProgress checks the progress record against the objects.
func (ln *lane) checkProgress(pending *Range) {
	pr := ln.progress
	key := []string{commit.ProgressKey(ln.key.topic, ln.key.partition)}
	if pr == nil {
		switch {
		case len(ln.filteredObjs)+len(ln.rejectedObjs) > 0:
			ln.violation(KindProgressMissing, nil, key, "%d objects and %d records of filtered or rejected offsets but no progress record",
				len(ln.objects), len(ln.filteredObjs)+len(ln.rejectedObjs))
		case !ln.covered.Empty():
			ln.violation(KindProgressMissing, nil, key, "%d objects but no progress record", len(ln.objects))
		}
		return
	}
	hi := pr.Next - 1
	if pending != nil {
		hi = max(hi, pending.End)
	}
	for _, r := range ln.covered.Outside(ln.covered.Min(), hi) {
		ln.violation(KindBeyondNext, &r, nil, "offsets %s stored or filtered at or past next_offset %d outside the pending round", r, pr.Next)
	}
	top, ok := ln.covered.MaxBelow(pr.Next)
	switch {
	case ok && top != pr.Next-1:
		r := Range{top + 1, pr.Next - 1}
		ln.violation(KindProgressNext, &r, key, "next_offset is %d but the largest offset stored or filtered below it is %d: "+
			"offsets %s are neither stored nor recorded as filtered", pr.Next, top, r)
	case !ok && pr.Last != nil && pr.Last.Records+pr.Last.Filtered+pr.Last.Rejected > 0:
		r := Range{pr.Last.Start, pr.Last.End}
		ln.violation(KindProgressNext, &r, key, "next_offset is %d and the last round %s holds %d records (%d filtered), "+
			"but no offset below next_offset is stored or filtered", pr.Next, r, pr.Last.Records+pr.Last.Filtered, pr.Last.Filtered)
	}
}
