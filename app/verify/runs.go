package verify

import (
	"slices"
	"sort"
	"strconv"
)

// Range is the closed offset range [Start..End].
type Range struct {
	Start int64 `json:"start"`
	End   int64 `json:"end"`
}

// Len is the number of offsets in r.
func (r Range) Len() int64 { return r.End - r.Start + 1 }

// Runs is a set of offsets kept as sorted, disjoint, non-adjacent ranges.
// Adding a range merges it with its neighbours; the part of it already in
// the set is reported as overlap. The zero value is an empty set. Not safe
// for concurrent use.
type Runs struct {
	runs  []Range
	count int64
}

// Add adds [start..end] (start <= end) to the set and returns the sub-ranges
// that were already in it, in order; nil when none was.
func (s *Runs) Add(start, end int64) []Range {
	if start > end {
		return nil
	}
	// Fast path: appending after the last run, the common case when offsets
	// arrive in order.
	if n := len(s.runs); n == 0 || start > s.runs[n-1].End {
		s.count += end - start + 1
		if n > 0 && start == s.runs[n-1].End+1 {
			s.runs[n-1].End = end
			return nil
		}
		s.runs = append(s.runs, Range{start, end})
		return nil
	}
	// First run that ends at or after start-1 (may touch or overlap).
	i := sort.Search(len(s.runs), func(k int) bool { return s.runs[k].End >= start-1 })
	merged := Range{start, end}
	var overlap []Range
	j := i
	for ; j < len(s.runs) && s.runs[j].Start <= end+1; j++ {
		r := s.runs[j]
		if lo, hi := max(r.Start, start), min(r.End, end); lo <= hi {
			overlap = append(overlap, Range{lo, hi})
			s.count -= hi - lo + 1
		}
		merged.Start = min(merged.Start, r.Start)
		merged.End = max(merged.End, r.End)
	}
	s.count += end - start + 1
	// Replace runs[i:j] with merged.
	if i == j {
		s.runs = append(s.runs, Range{})
		copy(s.runs[i+1:], s.runs[i:])
		s.runs[i] = merged
		return overlap
	}
	s.runs[i] = merged
	s.runs = append(s.runs[:i+1], s.runs[j:]...)
	return overlap
}

// AddRuns adds every run of o to s and returns the overlaps, in order.
func (s *Runs) AddRuns(o *Runs) []Range {
	var overlap []Range
	for _, r := range o.runs {
		overlap = append(overlap, s.Add(r.Start, r.End)...)
	}
	return overlap
}

// Count is the number of distinct offsets in the set.
func (s *Runs) Count() int64 { return s.count }

// Empty reports whether the set holds no offset.
func (s *Runs) Empty() bool { return len(s.runs) == 0 }

// Min is the smallest offset; 0 for an empty set.
func (s *Runs) Min() int64 {
	if len(s.runs) == 0 {
		return 0
	}
	return s.runs[0].Start
}

// Max is the largest offset; 0 for an empty set.
func (s *Runs) Max() int64 {
	if len(s.runs) == 0 {
		return 0
	}
	return s.runs[len(s.runs)-1].End
}

// Ranges returns the set's runs in order. The caller must not modify them.
func (s *Runs) Ranges() []Range { return s.runs }

// Gaps returns the ranges between Min and Max that are not in the set.
func (s *Runs) Gaps() []Range {
	var gaps []Range
	for i := 1; i < len(s.runs); i++ {
		gaps = append(gaps, Range{s.runs[i-1].End + 1, s.runs[i].Start - 1})
	}
	return gaps
}

// MaxBelow returns the largest offset in the set that is below limit, and
// false when there is none.
func (s *Runs) MaxBelow(limit int64) (int64, bool) {
	i := sort.Search(len(s.runs), func(k int) bool { return s.runs[k].Start >= limit })
	if i == 0 {
		return 0, false
	}
	return min(s.runs[i-1].End, limit-1), true
}

// Covers reports whether every offset of [lo..hi] is in the set.
func (s *Runs) Covers(lo, hi int64) bool {
	i := sort.Search(len(s.runs), func(k int) bool { return s.runs[k].End >= lo })
	return i < len(s.runs) && s.runs[i].Start <= lo && s.runs[i].End >= hi
}

// clone returns a copy of the set.
func (s *Runs) clone() Runs { return Runs{runs: slices.Clone(s.runs), count: s.count} }

// Outside returns the parts of the set that fall outside [lo..hi].
func (s *Runs) Outside(lo, hi int64) []Range {
	var out []Range
	for _, r := range s.runs {
		if r.Start < lo {
			out = append(out, Range{r.Start, min(r.End, lo-1)})
		}
		if r.End > hi {
			out = append(out, Range{max(r.Start, hi+1), r.End})
		}
	}
	return out
}

// runBuilder turns a stream of offsets into runs: consecutive offsets extend
// the current run, anything else starts a new one.
type runBuilder struct {
	set     Runs
	cur     Range
	open    bool
	overlap []Range
}

// add adds one offset.
func (b *runBuilder) add(off int64) {
	if b.open && off == b.cur.End+1 {
		b.cur.End = off
		return
	}
	b.flush()
	b.cur, b.open = Range{off, off}, true
}

func (b *runBuilder) flush() {
	if b.open {
		b.overlap = append(b.overlap, b.set.Add(b.cur.Start, b.cur.End)...)
		b.open = false
	}
}

// done flushes the current run and returns the set and the offsets seen
// more than once.
func (b *runBuilder) done() (*Runs, []Range) {
	b.flush()
	return &b.set, b.overlap
}

// String renders r as "start..end", or "start" for one offset.
func (r Range) String() string {
	if r.Start == r.End {
		return strconv.FormatInt(r.Start, 10)
	}
	return strconv.FormatInt(r.Start, 10) + ".." + strconv.FormatInt(r.End, 10)
}
