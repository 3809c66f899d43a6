package buffer

import (
	"context"
	"time"
)

// Run seals idle rounds and enforces the open-file limit until ctx is done.
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
	now := s.set.Now()
	var widest *part
	widestFiles := 0
	for _, p := range s.snapshot() {
		p.mu.Lock()
		if r := p.round; r != nil && p.cut == nil && !p.broken {
			idle := s.set.Topic(p.topic).Policy.Idle
			if idle > 0 && now.Sub(r.lastAppend) >= idle {
				_ = p.seal(ctx, s, TriggerIdle) // seal logs and breaks the chain on error
			} else if len(r.files) > widestFiles {
				widest, widestFiles = p, len(r.files)
			}
		}
		p.mu.Unlock()
	}
	if widest != nil && s.openFiles.Load() > int64(s.cfg.MaxOpenFiles) {
		widest.mu.Lock()
		if widest.round != nil && widest.cut == nil && !widest.broken {
			_ = widest.seal(ctx, s, TriggerOpenFiles)
		}
		widest.mu.Unlock()
	}
}
