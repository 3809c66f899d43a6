package pipeline

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/transport/kafka"
)

// tp names a Kafka partition.
type tp struct {
	topic     string
	partition int32
}

// ownership tracks the partitions this process owns and their lag as last
// measured, for the partition and lag metrics. Safe for concurrent use.
type ownership struct {
	mu sync.Mutex
	// placed is, per owned partition, the next offset to store as the
	// bucket's progress record said on assignment (-1: none yet).
	placed            map[tp]int64
	assigned, revoked map[string]int64 // partitions, per topic
	// measured is each owned partition's lag as last polled.
	measured map[tp]commit.Lag
}

func newOwnership() *ownership {
	return &ownership{placed: map[tp]int64{}, assigned: map[string]int64{}, revoked: map[string]int64{},
		measured: map[tp]commit.Lag{}}
}

// assign records partitions given to this process, placed at their offsets.
func (o *ownership) assign(topic string, placed map[int32]int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for part, next := range placed {
		o.placed[tp{topic, part}] = next
		delete(o.measured, tp{topic, part})
	}
	o.assigned[topic] += int64(len(placed))
}

// revoke records partitions whose consumption stopped here.
func (o *ownership) revoke(topic string, partitions []int32) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, part := range partitions {
		delete(o.placed, tp{topic, part})
		delete(o.measured, tp{topic, part})
	}
	o.revoked[topic] += int64(len(partitions))
}

// durable returns, per owned partition of topic, the larger of the offset
// placed on assignment and what this process committed since (-1: neither).
func (o *ownership) durable(topic string, positions []commit.Position) map[int32]int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := map[int32]int64{}
	for part, placed := range o.placed {
		if part.topic == topic {
			out[part.partition] = placed
		}
	}
	for _, pos := range positions {
		if at, ok := out[pos.Partition]; ok && pos.Topic == topic {
			out[pos.Partition] = max(at, pos.Next)
		}
	}
	return out
}

// store keeps the lag measured for a partition, if it is still owned.
func (o *ownership) store(p commit.Lag) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.placed[tp{p.Topic, p.Partition}]; ok {
		o.measured[tp{p.Topic, p.Partition}] = p
	}
}

// lags returns the lag of every owned partition as last measured.
func (o *ownership) lags() []commit.Lag {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]commit.Lag, 0, len(o.measured))
	for _, p := range o.measured {
		out = append(out, p)
	}
	return out
}

// pollTimeout bounds one poll of the watermarks at least.
const pollTimeout = 10 * time.Second

// measureConcurrency is how many partitions a poll measures at once.
const measureConcurrency = 8

// pollWatermarks measures the lag of the owned partitions every interval
// until ctx is done, the first time at once.
func (p *Pipeline) pollWatermarks(ctx context.Context, interval time.Duration) {
	in, err := kafka.NewInspector(p.cfg.Kafka)
	if err != nil {
		p.log.Warn("cannot poll high watermarks; lag metrics are off", "err", err)
		return
	}
	defer in.Close()
	topics := p.topicNames()
	failing := false
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		err := p.pollOnce(ctx, in, topics, max(interval, pollTimeout))
		switch {
		case err != nil && !failing && ctx.Err() == nil:
			p.log.Warn("polling high watermarks for the lag metrics", "err", err)
			failing = true
		case err == nil && failing:
			p.log.Info("polling high watermarks again")
			failing = false
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pollOnce measures the owned partitions of topics as "sluice lag" does
// (commit.Lag.Measure), from the durable offsets this process knows.
func (p *Pipeline) pollOnce(ctx context.Context, in *kafka.Inspector, topics []string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var errs []error
	for _, topic := range topics {
		marks, err := in.Watermarks(ctx, topic)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		now := time.Now()
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(measureConcurrency)
		for part, durable := range p.owned.durable(topic, p.commit.Positions()) {
			w, ok := marks[part]
			if !ok {
				continue
			}
			g.Go(func() error {
				m := commit.NewLag(topic, part, w, in.ReadCommitted())
				if durable >= 0 {
					m.Durable = &durable
				}
				if err := m.Measure(gctx, in, now); err != nil {
					return err
				}
				p.owned.store(m)
				return nil
			})
		}
		errs = append(errs, g.Wait())
	}
	return errors.Join(errs...)
}
