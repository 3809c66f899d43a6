package pipeline

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/sluicehq/sluice/stages/buffer"
	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/transport/kafka"
)

// assigner places partitions on their durable offsets when the consumer
// group assigns them, reading the bucket's progress records.
type assigner struct{ p *Pipeline }

// Assigned implements kafka.Assignments.
func (a assigner) Assigned(ctx context.Context, topic string, partitions []int32) (map[int32]int64, error) {
	var (
		mu    sync.Mutex
		progs = make(map[int32]*commit.Progress, len(partitions)) // nil: no record
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, part := range partitions {
		g.Go(func() error {
			prog, ok, err := a.p.ledger.Load(gctx, topic, part)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			progs[part] = nil
			if ok {
				progs[part] = &prog
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	latest, err := a.latest(ctx, topic, progs)
	if err != nil {
		return nil, err
	}
	pos := make(map[int32]int64, len(partitions))
	// next is where each partition is durable (-1: nothing stored yet).
	next := make(map[int32]int64, len(partitions))
	for _, part := range partitions {
		from, at := int64(-1), int64(-1)
		next[part] = -1
		var cut *buffer.Cut
		if prog := progs[part]; prog != nil {
			from, at, next[part] = prog.Next, prog.Next, prog.Next
			if pend := prog.Pending; pend != nil {
				cut = &buffer.Cut{Start: pend.Start, End: pend.End, Records: pend.Records}
				at = pend.Start
				a.p.log.Info("completing a pending round", "topic", topic, "partition", part,
					"start", pend.Start, "end", pend.End, "claimed_by", prog.Owner)
			}
		} else if end, ok := latest[part]; ok {
			// kafka.initial_offset latest: start at the end of the log, and
			// skip anything before it that may still arrive.
			from, at = end, end
		}
		gen := a.p.buffer.Assign(topic, part, from, cut)
		a.p.batcher.Assign(topic, part, gen)
		pos[part] = at
	}
	a.p.assigned.Add(int64(len(partitions)))
	a.p.owned.assign(topic, next)
	return pos, nil
}

// latest returns, under kafka.initial_offset latest, where the partitions
// without a progress record and without an offset committed by the group
// start: the end of the log a consumer at the configured isolation can read.
// The coordinator commits that offset to Kafka at once, so a restart before
// the first round is stored starts there again, not at a later end. Under
// earliest it returns nothing: Kafka's committed offset, else the oldest
// offset, decides.
func (a assigner) latest(ctx context.Context, topic string, progs map[int32]*commit.Progress) (map[int32]int64, error) {
	if a.p.cfg.Kafka.InitialOffset != kafka.InitialOffsetLatest {
		return nil, nil
	}
	var fresh []int32
	for part, prog := range progs {
		if prog == nil {
			fresh = append(fresh, part)
		}
	}
	if len(fresh) == 0 {
		return nil, nil
	}
	in, err := kafka.NewInspector(a.p.cfg.Kafka)
	if err != nil {
		return nil, fmt.Errorf("finding the latest offsets of %q: %w", topic, err)
	}
	defer in.Close()
	committed, err := in.Committed(ctx, a.p.cfg.Kafka.Group, topic)
	if err != nil {
		return nil, fmt.Errorf("finding the latest offsets of %q: %w", topic, err)
	}
	marks, err := in.Watermarks(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("finding the latest offsets of %q: %w", topic, err)
	}
	out := make(map[int32]int64, len(fresh))
	for _, part := range fresh {
		if _, ok := committed[part]; ok {
			continue
		}
		w, ok := marks[part]
		if !ok {
			return nil, fmt.Errorf("finding the latest offset of %s/%d: %w", topic, part, kafka.ErrUnknownPartition)
		}
		out[part] = w.End
		if in.ReadCommitted() {
			out[part] = w.Stable
		}
		a.p.log.Info("starting at the end of the log (kafka.initial_offset: latest)",
			"topic", topic, "partition", part, "offset", out[part])
	}
	return out, nil
}

// Revoked implements kafka.Assignments.
func (a assigner) Revoked(topic string, partitions []int32) {
	for _, part := range partitions {
		a.p.batcher.Revoke(topic, part)
		a.p.buffer.Revoke(topic, part)
	}
	a.p.revoked.Add(int64(len(partitions)))
	a.p.owned.revoke(topic, partitions)
}
