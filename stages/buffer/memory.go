package buffer

import (
	"github.com/sluicehq/sluice/stages/format"
)

// Rounds that fit in memory are not spilled: at seal, a file that never
// reached its memory share keeps its records in memory (format.Held) as long
// as the records held by sealed rounds and those in open files together stay
// within Config.Memory. Held records count against the bound until their
// round is committed or dropped (model.Round.Free) or the stage is closed;
// open files share what the bound leaves (fileShare).

// tryHold reserves n bytes for records held by a sealed round, if the bound
// allows: n are already counted as buffered, so the bytes held and buffered
// must not exceed Config.Memory.
func (s *Stage) tryHold(n int64) bool {
	if s.spillAtSeal {
		return false
	}
	for {
		h := s.held.Load()
		if h+s.buffered.Load() > int64(s.cfg.Memory) {
			return false
		}
		if s.held.CompareAndSwap(h, h+n) {
			return true
		}
	}
}

// releaser is what a sealed round holds in memory: its files' records
// (*format.Held) or its dead-letter lines (*heldLines).
type releaser interface{ Release() }

// hold registers what a sealed round holds in memory, so that Close
// releases it if nobody else does.
func (s *Stage) hold(h releaser) {
	s.holdsMu.Lock()
	defer s.holdsMu.Unlock()
	s.holds[h] = struct{}{}
}

// unhold forgets h, released.
func (s *Stage) unhold(h releaser) {
	s.holdsMu.Lock()
	defer s.holdsMu.Unlock()
	delete(s.holds, h)
}

// freed is called once held records are freed.
func (s *Stage) freed(h *format.Held) {
	s.held.Add(-h.Size())
	s.unhold(h)
}

// releaseHolds releases what every sealed round holds in memory: at Close,
// the rounds still on their way downstream will not be uploaded. An upload
// still encoding some records keeps them until it ends.
func (s *Stage) releaseHolds() {
	s.holdsMu.Lock()
	holds := make([]releaser, 0, len(s.holds))
	for h := range s.holds {
		holds = append(holds, h)
	}
	s.holdsMu.Unlock()
	for _, h := range holds {
		h.Release()
	}
}

// Held returns the bytes of records held in memory by sealed rounds not yet
// committed or dropped.
func (s *Stage) Held() int64 { return s.held.Load() }

// InMemory returns the bytes the buffer holds in memory in all: open files'
// builders (Buffered) and sealed rounds held until uploaded (Held), what
// buffer.memory bounds.
func (s *Stage) InMemory() int64 { return s.Buffered() + s.Held() }

// fileShare is how many bytes one open file may hold in memory before it
// spills: an equal share of what Config.Memory leaves besides the records
// held by sealed rounds, between 32 KiB and 8 MiB.
func (s *Stage) fileShare() int {
	n := s.openFiles.Load()
	if n < 1 {
		n = 1
	}
	share := (int64(s.cfg.Memory) - s.held.Load()) / n
	return int(min(max(share, 32<<10), 8<<20))
}
