package buffer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/format"
)

// Triggers name why a round was sealed.
const (
	TriggerSize      = "size"
	TriggerCount     = "count"
	TriggerSpan      = "span"
	TriggerIdle      = "idle"
	TriggerOpenFiles = "open_files"
	TriggerDisk      = "disk"
	TriggerForced    = "forced"
	TriggerShutdown  = "shutdown"
)

// part is the buffer's state for one Kafka partition.
type part struct {
	mu        sync.Mutex
	topic     string
	partition int32
	// from is where the next round's chain continues (negative: unknown
	// until the first record arrives).
	from int64
	// first is the first offset not yet in the bucket: records before it
	// (Kafka's committed offset lagged the bucket) are skipped.
	first int64
	// cut, when set, is the round that must be reproduced exactly.
	cut *Cut
	// broken is set when a round of the chain was lost (publishing failed):
	// no later round may be committed, so records are discarded until the
	// partition is assigned again.
	broken bool
	// halted is set when the partition must take no more records but keep
	// its open round (Halt).
	halted bool
	round  *round
	// stats counts the partition's records, across assignments.
	stats *LaneStats
	// gone is closed when the partition is given away or broken from
	// outside (leave): a spill waiting for room or retrying gives up.
	gone     chan struct{}
	goneOnce sync.Once
	// gen is the assignment this state belongs to (Stage.Assign numbers
	// them; 0 for a partition never assigned).
	gen uint64
	// drain is the shutdown's context while Drain seals the partition
	// (guarded by mu): its spill writes then wait for room until the
	// shutdown deadline instead of giving up because the stage stops.
	drain context.Context
}

// round is the open round of a partition.
type round struct {
	start, end       int64
	records, bytes   int64
	firstEvent, span time.Time // span holds the latest event time seen
	lastTime         time.Time // Kafka timestamp of the last record
	lastAppend       time.Time
	dir              string
	files            map[string]*openFile // by fileKey
	// schemas counts the files of each output partition dir.
	schemas map[string]int
	// disk counts the bytes its spill files hold on disk.
	disk int64
	seq  int
	// links are the round's traced records, up to the cap; dropped counts
	// the others.
	links   []model.RecordLink
	dropped int
	// filtered holds the offsets stages removed from the round.
	filtered model.Offsets
	// rejected holds the offsets of the round's rejected records, dead
	// their dead-letter lines (nil without any; see rejected.go).
	rejected model.Offsets
	dead     *deadLetter
}

type openFile struct {
	key   string
	spill *format.SpillWriter
}

func newPart(topic string, partition int32, from int64, cut *Cut) *part {
	first := from
	if cut != nil {
		first = cut.Start
	}
	return &part{topic: topic, partition: partition, from: from, first: first, cut: cut, gone: make(chan struct{})}
}

// leave tells waits on p's behalf to give up; p.mu need not be held.
func (p *part) leave() { p.goneOnce.Do(func() { close(p.gone) }) }

// left reports whether leave was called.
func (p *part) left() bool {
	select {
	case <-p.gone:
		return true
	default:
		return false
	}
}

// append adds rec; the caller holds p.mu.
func (p *part) append(ctx context.Context, s *Stage, ts TopicSettings, rec *model.Record, dir string) error {
	if err := p.passCut(ctx, s, rec.Offset); err != nil {
		return err
	}
	if p.round == nil {
		p.open(s, rec.Offset, rec.EventTime)
	} else if _, ok := p.round.files[fileKey(dir, rec.Schema)]; !ok && p.cut == nil &&
		s.openFiles.Load() >= int64(s.cfg.MaxOpenFiles) && len(p.round.files) > 0 {
		if err := p.seal(ctx, s, TriggerOpenFiles); err != nil {
			return err
		}
		p.open(s, rec.Offset, rec.EventTime)
	}
	f, err := p.file(s, ts, dir, rec.Schema)
	if err != nil {
		return err
	}
	before := f.spill.Buffered()
	f.spill.Append(rec)
	after := f.spill.Buffered()
	if after >= s.fileShare() {
		s.room(p, int64(after))
		written := f.spill.Written()
		err := f.spill.Flush()
		s.wrote(p.round, f.spill.Written()-written)
		if err != nil {
			// The record is in the builder but may not be in the spill:
			// the round cannot be trusted any more.
			s.buffered.Add(int64(after - before))
			p.breakChain(s, fmt.Errorf("spilling %s: %w", f.key, err))
			return nil
		}
		after = f.spill.Buffered()
	}
	s.buffered.Add(int64(after - before))

	r := p.round
	if rec.Trace.IsValid() {
		if len(r.links) < s.set.MaxLinks {
			r.links = append(r.links, model.NewRecordLink(rec.Trace, rec.Offset, f.key))
		} else {
			r.dropped++
		}
	}
	if rec.Trace.IsValid() {
		if hook, ok := ctx.Value(traceHookKey{}).(TraceHook); ok {
			hook(rec, f.key, r.start)
		}
	}
	r.end = rec.Offset
	r.records++
	p.stats.Buffered.Add(1)
	r.bytes += int64(rec.Size())
	r.lastTime = rec.Timestamp
	r.lastAppend = s.set.Now()
	if r.firstEvent.IsZero() {
		r.firstEvent = rec.EventTime // the round opened on filtered records
	}
	if rec.EventTime.After(r.span) {
		r.span = rec.EventTime
	}
	if trigger := p.due(s, ts.Policy); trigger != "" {
		return p.seal(ctx, s, trigger)
	}
	return nil
}

// passCut completes the pending round that must be reproduced (the cut)
// when offset lies past its end: records of it are gone from Kafka. The
// caller holds p.mu.
func (p *part) passCut(ctx context.Context, s *Stage, offset int64) error {
	if p.cut == nil || offset <= p.cut.End {
		return nil
	}
	if p.round == nil {
		// Every record of the pending round is gone from Kafka (retention,
		// compaction): it cannot be reproduced. Complete it with no files, so
		// the chain goes on from its End+1; what the round's earlier owner
		// stored stays as it is.
		return p.sealVanished(ctx, s)
	}
	// The cut's last record is gone from Kafka: seal what there is.
	return p.seal(ctx, s, TriggerForced)
}

// filter extends the open round (opening one if there is none) over a
// record a stage removed; the caller holds p.mu.
func (p *part) filter(ctx context.Context, s *Stage, ts TopicSettings, offset int64) error {
	r, err := p.roundAt(ctx, s, offset)
	if err != nil {
		return err
	}
	r.filtered.Add(offset)
	return p.extended(ctx, s, ts, offset)
}

// roundAt returns the open round that offset, a record the round accounts
// for without a row (filtered or rejected), extends: past the cut of a
// pending round it seals that round first, and it opens one when there is
// none. A round of such records only has no event time of its own: its
// span starts with its first kept record, if any. The caller holds p.mu.
func (p *part) roundAt(ctx context.Context, s *Stage, offset int64) (*round, error) {
	if err := p.passCut(ctx, s, offset); err != nil {
		return nil, err
	}
	if p.round == nil {
		p.open(s, offset, time.Time{})
	}
	return p.round, nil
}

// extended ends the open round at offset, a record it accounts for without
// a row, and seals it when its policy says it is due; the caller holds
// p.mu.
func (p *part) extended(ctx context.Context, s *Stage, ts TopicSettings, offset int64) error {
	r := p.round
	r.end = offset
	r.lastAppend = s.set.Now()
	if trigger := p.due(s, ts.Policy); trigger != "" {
		return p.seal(ctx, s, trigger)
	}
	return nil
}

// TraceHook learns, for each sampled record (valid Record.Trace) Append
// takes, the file (relative to the destination) and the round that will
// hold it.
type TraceHook func(rec *model.Record, key string, roundStart int64)

type traceHookKey struct{}

// WithTraceHook returns ctx carrying hook for Append.
func WithTraceHook(ctx context.Context, hook TraceHook) context.Context {
	return context.WithValue(ctx, traceHookKey{}, hook)
}

// due says whether the open round must be sealed now, and why.
func (p *part) due(s *Stage, pol Policy) string {
	r := p.round
	if p.cut != nil {
		if r.end >= p.cut.End {
			return TriggerForced
		}
		return ""
	}
	switch {
	case pol.MaxBytes > 0 && r.bytes+r.dead.size() >= int64(pol.MaxBytes):
		return TriggerSize
	case pol.MaxRecords > 0 && r.records+r.filtered.Len()+r.rejected.Len() >= pol.MaxRecords:
		return TriggerCount
	case pol.MaxEventSpan > 0 && r.span.Sub(r.firstEvent) >= pol.MaxEventSpan:
		return TriggerSpan
	case s.diskFull(r):
		return TriggerDisk
	}
	return ""
}

func (p *part) open(s *Stage, offset int64, event time.Time) {
	if p.from < 0 {
		p.from = offset
	}
	start := offset
	if p.cut != nil && p.cut.Start < start {
		// The cut's first record is gone from Kafka (compaction, retention):
		// the round keeps the pending round's identity and file names.
		start = p.cut.Start
	}
	p.round = &round{
		start:      start,
		end:        offset,
		firstEvent: event,
		span:       event,
		dir:        filepath.Join(s.cfg.Dir, roundDirName(p.topic, p.partition, start, s.rounds.Add(1))),
		files:      map[string]*openFile{},
	}
}

func (p *part) file(s *Stage, ts TopicSettings, dir string, schema *model.Schema) (*openFile, error) {
	r := p.round
	key := fileKey(dir, schema)
	if f, ok := r.files[key]; ok {
		return f, nil
	}
	layout, err := layoutFor(ts, schema)
	if err != nil {
		return nil, err
	}
	r.seq++
	path := filepath.Join(r.dir, strconv.Itoa(r.seq)+".arrow")
	w, err := format.NewLayoutSpillWriter(path, layout, s.set.Alloc)
	if err != nil {
		return nil, fmt.Errorf("opening spill file: %w", err)
	}
	w.SetRetry(s.retrySpill(p))
	// The first file of an output partition is named by the round's start;
	// records of another schema in the same partition and round start a
	// file of their own, numbered in the order their schemas first appear
	// (".1", ".2"): a pure function of the round's records.
	name := model.FileName(p.topic, p.partition, r.start)
	if n := r.schemas[dir]; n > 0 {
		name += "." + strconv.Itoa(n)
	}
	if r.schemas == nil {
		r.schemas = map[string]int{}
	}
	r.schemas[dir]++
	name += ts.Extension
	objKey := name
	if dir != "" {
		objKey = dir + "/" + name
	}
	f := &openFile{key: objKey, spill: w}
	r.files[key] = f
	s.openFiles.Add(1)
	return f, nil
}

// fileKey is the key of a round's file: its output partition and, for
// typed records, their schema ID.
func fileKey(dir string, schema *model.Schema) string {
	if schema == nil {
		return dir
	}
	return dir + "\x00" + schema.ID
}

// defaultLayouts are the layouts of topics whose settings name none.
var defaultLayouts = format.NewLayouts(format.Columns{})

// layoutFor is the layout of a topic's files of records with schema.
func layoutFor(ts TopicSettings, schema *model.Schema) (*format.Layout, error) {
	if ts.Layouts == nil {
		return defaultLayouts.For(schema)
	}
	return ts.Layouts.For(schema)
}

// seal closes the open round's files and publishes the round; the caller
// holds p.mu. A round that cannot be published breaks the partition's chain.
func (p *part) seal(ctx context.Context, s *Stage, trigger string) error {
	r := p.round
	if r == nil {
		return nil
	}
	p.round = nil
	end := r.end
	if p.cut != nil {
		// The cut's last record may be gone from Kafka (a later offset forced
		// the seal): the round still ends where the pending round ends, so it
		// completes that round and the chain goes on from its End+1.
		end = max(end, p.cut.End)
	}
	out := &model.Round{
		Topic: p.topic, Partition: p.partition,
		Start: r.start, End: end, From: p.from,
		Records: r.records, Bytes: r.bytes, Trigger: trigger, LastTime: r.lastTime,
		Links: r.links, LinksDropped: r.dropped,
		Filtered: r.filtered.Len(), FilteredRanges: r.filtered.Ranges(),
	}
	if p.cut != nil && r.records < p.cut.Records {
		s.set.Logger.Warn("records of a pending round are gone from Kafka; completing it without replacing the files already stored",
			"topic", p.topic, "partition", p.partition, "start", out.Start, "end", out.End,
			"records", r.records, "pending_records", p.cut.Records)
		out.KeepStored = true
	}
	// A file that never spilled is held in memory while the bound allows;
	// the others are spilled (their last rows written) and closed.
	var pending int64
	spilled := make([]*openFile, 0, len(r.files))
	for _, f := range r.files {
		n := int64(f.spill.Buffered())
		if !f.spill.Spilled() && s.tryHold(n) {
			if h := f.spill.Hold(s.freed); h != nil {
				s.hold(h)
				s.buffered.Add(-n)
				s.openFiles.Add(-1)
				out.Files = append(out.Files, model.RoundFile{Key: f.key, Held: h, Records: h.Rows()})
				continue
			}
			s.held.Add(-n) // the writer failed: it is closed below, with its error
		}
		spilled = append(spilled, f)
		pending += n
	}
	s.room(p, pending)
	var closeErr error
	for _, f := range spilled {
		before, written := f.spill.Buffered(), f.spill.Written()
		if err := f.spill.Close(); err != nil && closeErr == nil {
			closeErr = fmt.Errorf("closing spill of %s: %w", f.key, err)
		}
		s.wrote(r, f.spill.Written()-written)
		s.buffered.Add(-int64(before))
		s.openFiles.Add(-1)
		out.Files = append(out.Files, model.RoundFile{Key: f.key, Spill: f.spill.Path(), Records: f.spill.Rows()})
	}
	if err := p.sealDeadLetter(s, r, out); err != nil && closeErr == nil {
		closeErr = err
	}
	slices.SortFunc(out.Files, func(a, b model.RoundFile) int { return strings.Compare(a.Key, b.Key) })
	// From now on the round's files are measured until upload or commit
	// removes them (or handOver does, when the round cannot be handed over).
	s.disk.seal(r.dir, r.disk)
	return p.handOver(ctx, s, out, r.dir, closeErr)
}

// handOver moves the chain past out and publishes it, unless closing its
// files already failed; a round that cannot be handed over breaks the chain.
// The caller holds p.mu.
func (p *part) handOver(ctx context.Context, s *Stage, out *model.Round, dir string, err error) error {
	p.from = out.End + 1
	p.cut = nil
	if err == nil {
		err = s.set.Publish(ctx, out)
	}
	if err != nil {
		out.Free()
		if dir != "" {
			os.RemoveAll(dir)
		}
		p.stats.Dropped.Add(out.Records)
		p.breakChain(s, err)
		return err
	}
	s.stats.Rounds.Add(1)
	s.countTrigger(out.Trigger)
	p.stats.countRound(out.Trigger, out.Records)
	return nil
}

// sealVanished publishes the cut as a round without files; the caller
// holds p.mu and has checked that no round is open.
func (p *part) sealVanished(ctx context.Context, s *Stage) error {
	cut := *p.cut
	s.set.Logger.Warn("records of a pending round are gone from Kafka; completing it without files",
		"topic", p.topic, "partition", p.partition, "start", cut.Start, "end", cut.End)
	out := &model.Round{
		Topic: p.topic, Partition: p.partition,
		Start: cut.Start, End: cut.End, From: p.from, Trigger: TriggerForced,
		KeepStored: true,
	}
	return p.handOver(ctx, s, out, "", nil)
}

// breakChain drops the open round and stops the partition until it is
// assigned again; the caller holds p.mu. A partition given away or broken
// from outside, or a stage stopping, needs no reading again.
func (p *part) breakChain(s *Stage, cause error) {
	p.drop(s)
	p.broken = true
	if p.left() || s.draining.Load() {
		s.set.Logger.Warn("dropping the partition's buffered records", "topic", p.topic, "partition", p.partition, "err", cause)
		return
	}
	s.stats.Broken.Add(1)
	s.set.Logger.Error("dropping the partition's buffered records; it is read again from its durable offset",
		"topic", p.topic, "partition", p.partition, "err", cause)
	s.set.OnBroken(p.topic, p.partition)
}

// drop discards the open round; the caller holds p.mu.
func (p *part) drop(s *Stage) {
	r := p.round
	if r == nil {
		return
	}
	p.round = nil
	p.stats.Dropped.Add(r.records)
	s.disk.open.Add(-r.disk)
	for _, f := range r.files {
		s.buffered.Add(-int64(f.spill.Buffered()))
		s.openFiles.Add(-1)
		f.spill.Abort()
	}
	s.dropDeadLetter(r)
	os.RemoveAll(r.dir)
}
