package model

import "iter"

// OffsetRange is the offsets First..Last of a Kafka partition, both included.
type OffsetRange struct {
	First int64 `json:"first"`
	Last  int64 `json:"last"`
}

// Offsets is a set of offsets of one Kafka partition, kept as sorted,
// disjoint, non-adjacent ranges: a filter that drops most records of a
// partition costs a few ranges, not an entry per record. The zero value is
// empty and ready to use.
type Offsets struct {
	ranges []OffsetRange
	n      int64
}

// Add adds offset o. Adding in ascending order (the usual case) is O(1).
func (s *Offsets) Add(o int64) {
	k := len(s.ranges)
	if k > 0 && s.ranges[k-1].Last+1 == o {
		s.ranges[k-1].Last = o
		s.n++
		return
	}
	if k == 0 || s.ranges[k-1].Last < o {
		s.ranges = append(s.ranges, OffsetRange{o, o})
		s.n++
		return
	}
	if s.Contains(o) {
		return
	}
	s.AddRange(OffsetRange{o, o})
}

// AddRange adds every offset of r (none when r.Last < r.First).
func (s *Offsets) AddRange(r OffsetRange) {
	if r.Last < r.First {
		return
	}
	out := make([]OffsetRange, 0, len(s.ranges)+1)
	placed := false
	for _, c := range s.ranges {
		switch {
		case c.Last+1 < r.First:
			out = append(out, c)
		case r.Last+1 < c.First:
			if !placed {
				out, placed = append(out, r), true
			}
			out = append(out, c)
		default:
			r.First, r.Last = min(r.First, c.First), max(r.Last, c.Last)
		}
	}
	if !placed {
		out = append(out, r)
	}
	s.ranges = out
	s.n = 0
	for _, c := range out {
		s.n += c.Last - c.First + 1
	}
}

// Merge adds every offset of o.
func (s *Offsets) Merge(o Offsets) {
	for _, r := range o.ranges {
		if k := len(s.ranges); k == 0 || s.ranges[k-1].Last+1 < r.First {
			s.ranges = append(s.ranges, r)
			s.n += r.Last - r.First + 1
			continue
		}
		s.AddRange(r)
	}
}

// Contains reports whether o is in the set.
func (s *Offsets) Contains(o int64) bool {
	lo, hi := 0, len(s.ranges)
	for lo < hi {
		m := (lo + hi) / 2
		switch r := s.ranges[m]; {
		case o < r.First:
			hi = m
		case o > r.Last:
			lo = m + 1
		default:
			return true
		}
	}
	return false
}

// Len returns how many offsets the set holds.
func (s *Offsets) Len() int64 { return s.n }

// Ranges returns the set's ranges in ascending order.
func (s *Offsets) Ranges() []OffsetRange { return s.ranges }

// All yields every offset in ascending order.
func (s *Offsets) All() iter.Seq[int64] {
	return func(yield func(int64) bool) {
		for _, r := range s.ranges {
			for o := r.First; o <= r.Last; o++ {
				if !yield(o) {
					return
				}
			}
		}
	}
}

// OffsetsOf returns the set of the given ranges (in any order, overlapping
// or not).
func OffsetsOf(ranges ...OffsetRange) Offsets {
	var s Offsets
	for _, r := range ranges {
		s.AddRange(r)
	}
	return s
}
