package pipeline

import (
	"context"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/sluicehq/sluice/stages/buffer"
)

// assigner places partitions on their durable offsets when the consumer
// group assigns them, reading the bucket's progress records.
type assigner struct{ p *Pipeline }

// Assigned implements kafka.Assignments.
func (a assigner) Assigned(ctx context.Context, topic string, partitions []int32) (map[int32]int64, error) {
	var (
		mu  sync.Mutex
		pos = make(map[int32]int64, len(partitions))
		// next is where each partition is durable (-1: nothing stored yet).
		next = make(map[int32]int64, len(partitions))
	)
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, part := range partitions {
		g.Go(func() error {
			prog, ok, err := a.p.ledger.Load(ctx, topic, part)
			if err != nil {
				return err
			}
			from, at := int64(-1), int64(-1)
			var cut *buffer.Cut
			if ok {
				from, at = prog.Next, prog.Next
				if pend := prog.Pending; pend != nil {
					cut = &buffer.Cut{Start: pend.Start, End: pend.End, Records: pend.Records}
					at = pend.Start
					a.p.log.Info("completing a pending round", "topic", topic, "partition", part,
						"start", pend.Start, "end", pend.End, "claimed_by", prog.Owner)
				}
			}
			a.p.buffer.Assign(topic, part, from, cut)
			mu.Lock()
			pos[part], next[part] = at, from
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	a.p.assigned.Add(int64(len(partitions)))
	a.p.owned.assign(topic, next)
	return pos, nil
}

// Revoked implements kafka.Assignments.
func (a assigner) Revoked(topic string, partitions []int32) {
	for _, part := range partitions {
		a.p.buffer.Revoke(topic, part)
	}
	a.p.revoked.Add(int64(len(partitions)))
	a.p.owned.revoke(topic, partitions)
}
