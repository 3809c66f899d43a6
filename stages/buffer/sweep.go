package buffer

import (
	"context"
	"time"
)

// Run seals idle rounds, rounds that hold disk the buffer runs short of, and
// enforces the open-file limit until ctx is done.
// It owns no other goroutine.
func (s *Stage) Run(ctx context.Context) {
	t := time.NewTicker(s.sweepEvery())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.sweep(ctx)
		}
	}
}

// sweepEvery is how often idle rounds are looked for: idle limits are met
// within this much.
func (s *Stage) sweepEvery() time.Duration {
	return 250 * time.Millisecond
}

func (s *Stage) sweep(ctx context.Context) {
	if s.draining.Load() {
		return
	}
	s.disk.refresh()
	now := s.set.Now()
	var widest *part
	widestFiles := 0
	for _, p := range s.snapshot() {
		// A partition busy appending (or waiting for room) is not idle; it
		// is looked at next time.
		if !p.mu.TryLock() {
			continue
		}
		if r := p.round; r != nil && p.cut == nil && !p.broken {
			idle := s.set.Topic(p.topic).Policy.Idle
			switch {
			case idle > 0 && now.Sub(r.lastAppend) >= idle:
				_ = p.seal(ctx, s, TriggerIdle) // seal logs and breaks the chain on error
			case s.diskFull(r):
				_ = p.seal(ctx, s, TriggerDisk)
			case len(r.files) > widestFiles:
				widest, widestFiles = p, len(r.files)
			}
		}
		p.mu.Unlock()
	}
	if widest != nil && s.openFiles.Load() > int64(s.cfg.MaxOpenFiles) {
		if !widest.mu.TryLock() {
			return
		}
		if widest.round != nil && widest.cut == nil && !widest.broken {
			_ = widest.seal(ctx, s, TriggerOpenFiles)
		}
		widest.mu.Unlock()
	}
}
