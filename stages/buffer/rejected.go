package buffer

import (
	"context"
	"fmt"
	"iter"
	"math"
	"os"
	"path/filepath"
	"sync"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/format"
)

// Rejected records (model.Batch.Rejected) belong to the round that covers
// their offsets, as filtered ones do: a round may start or end on one, or
// hold only rejected records, and a pending round reproduced from Kafka
// gets the same ones. The round keeps the records themselves as
// dead-letter lines (format.AppendRejection) for the topic's dead-letter
// destination: in memory while they fit the open files' share of
// Config.Memory, then in the round's spill directory (deadLetterFile),
// counted against Config.Memory and Config.MaxDisk like the files' rows.

// deadLetterFile is the name of a round's dead-letter lines in its spill
// directory.
const deadLetterFile = "rejected.jsonl"

// deadLetter is the open round's dead-letter lines.
type deadLetter struct {
	// buf holds the lines not written to the file yet (counted in
	// Stage.buffered).
	buf  []byte
	file *os.File
	path string
	// bytes counts the bytes of every line, written or not (their number
	// is the round's rejected offsets').
	bytes int64
}

// batchExtras yields a batch's filtered offsets and rejected records in
// offset order, between its records.
type batchExtras struct {
	next     func() (int64, bool)
	stop     func()
	f        int64
	more     bool
	rejected []model.Rejection
}

func newBatchExtras(b *model.Batch) *batchExtras {
	next, stop := iter.Pull(b.Filtered.All())
	e := &batchExtras{next: next, stop: stop, rejected: b.Rejected}
	e.f, e.more = next()
	return e
}

// passExtras takes, in offset order, the batch's filtered offsets and
// rejected records below offset below; the caller holds p.mu.
func (s *Stage) passExtras(ctx context.Context, p *part, ts TopicSettings, e *batchExtras, below int64) error {
	for {
		rejected := len(e.rejected) > 0 && e.rejected[0].Record.Offset < below
		filtered := e.more && e.f < below
		switch {
		case filtered && (!rejected || e.f < e.rejected[0].Record.Offset):
			if err := s.skip(ctx, p, ts, e.f); err != nil {
				return err
			}
			e.f, e.more = e.next()
		case rejected:
			if err := s.rejectRecord(ctx, p, ts, &e.rejected[0]); err != nil {
				return err
			}
			e.rejected = e.rejected[1:]
		default:
			return nil
		}
	}
}

// passAllExtras takes what is left of the batch's filtered offsets and
// rejected records.
func (s *Stage) passAllExtras(ctx context.Context, p *part, ts TopicSettings, e *batchExtras) error {
	return s.passExtras(ctx, p, ts, e, math.MaxInt64)
}

// rejectRecord accounts for a rejected record and keeps it in the open
// round's dead-letter lines; the caller holds p.mu.
func (s *Stage) rejectRecord(ctx context.Context, p *part, ts TopicSettings, rej *model.Rejection) error {
	size, ok, err := s.consume(p, &rej.Record, "rejected record")
	if !ok || err != nil {
		return err
	}
	if err := p.reject(ctx, s, ts, rej); err != nil {
		return err
	}
	s.stats.Rejected.Add(1)
	p.stats.Rejected.Add(1)
	p.stats.RejectedBytes.Add(size)
	return nil
}

// reject extends the open round (opening one if there is none) over a
// rejected record and appends its dead-letter line; the caller holds p.mu.
func (p *part) reject(ctx context.Context, s *Stage, ts TopicSettings, rej *model.Rejection) error {
	offset := rej.Record.Offset
	r, err := p.roundAt(ctx, s, offset)
	if err != nil {
		return err
	}
	if r.dead == nil {
		r.dead = &deadLetter{}
	}
	d := r.dead
	before := len(d.buf)
	d.buf = format.AppendRejection(d.buf, rej)
	n := int64(len(d.buf) - before)
	d.bytes += n
	s.buffered.Add(n)
	if len(d.buf) >= s.fileShare() {
		if err := p.spillDeadLetter(s, r); err != nil {
			p.breakChain(s, fmt.Errorf("spilling the rejected records of %s: %w", p.topic, err))
			return nil
		}
	}
	r.rejected.Add(offset)
	return p.extended(ctx, s, ts, offset)
}

// spillDeadLetter writes round r's pending dead-letter lines to its
// file, once there is room for them; the caller holds p.mu.
func (p *part) spillDeadLetter(s *Stage, r *round) error {
	d := r.dead
	if len(d.buf) == 0 && d.file != nil {
		return nil
	}
	s.room(p, int64(len(d.buf)))
	// On failure the round breaks: its lines are dropped with it, and so
	// is their share of the memory bound.
	drop := func(err error) error {
		s.buffered.Add(-int64(len(d.buf)))
		d.buf = d.buf[:0]
		return err
	}
	if d.file == nil {
		if err := os.MkdirAll(r.dir, 0o755); err != nil {
			return drop(err)
		}
		d.path = filepath.Join(r.dir, deadLetterFile)
		f, err := os.OpenFile(d.path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err != nil {
			return drop(err)
		}
		d.file = f
	}
	n, err := d.file.Write(d.buf)
	s.wrote(r, int64(n))
	s.buffered.Add(-int64(len(d.buf)))
	d.buf = d.buf[:0]
	return err
}

// sealDeadLetter hands the sealed round r's dead-letter lines to out: held
// in memory when they never spilled and the bound allows, else written to
// and closed in the round's spill directory. The caller holds p.mu and has
// taken r out of p.round.
func (p *part) sealDeadLetter(s *Stage, r *round, out *model.Round) error {
	out.Rejected, out.RejectedRanges = r.rejected.Len(), r.rejected.Ranges()
	d := r.dead
	if d == nil {
		return nil
	}
	out.DeadLetter = &model.DeadLetter{Records: out.Rejected, Bytes: d.bytes}
	n := int64(len(d.buf))
	if d.file == nil && s.tryHold(n) {
		h := &heldLines{s: s, data: d.buf}
		s.hold(h)
		s.buffered.Add(-n)
		out.DeadLetter.Held = h
		d.buf = nil
		return nil
	}
	err := p.spillDeadLetter(s, r)
	if cerr := d.file.Close(); err == nil {
		err = cerr
	}
	out.DeadLetter.Spill = d.path
	if err != nil {
		return fmt.Errorf("closing the rejected records of round %d: %w", out.Start, err)
	}
	return nil
}

// dropDeadLetter lets go of an open round's dead-letter lines (the caller
// removes the spill directory).
func (s *Stage) dropDeadLetter(r *round) {
	d := r.dead
	if d == nil {
		return
	}
	s.buffered.Add(-int64(len(d.buf)))
	d.buf = nil
	if d.file != nil {
		_ = d.file.Close()
	}
}

// heldLines is a sealed round's dead-letter lines kept in memory
// (model.HeldLines), counted in Stage.held until released.
type heldLines struct {
	s    *Stage
	data []byte
	once sync.Once
}

// Lines returns the dead-letter lines.
func (h *heldLines) Lines() []byte { return h.data }

// Release gives the lines' memory back to the bound.
func (h *heldLines) Release() {
	h.once.Do(func() {
		h.s.held.Add(-int64(len(h.data)))
		h.s.unhold(h)
	})
}

// size returns the bytes of the dead-letter lines (0 for none).
func (d *deadLetter) size() int64 {
	if d == nil {
		return 0
	}
	return d.bytes
}
