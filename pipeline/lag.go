package pipeline

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/transport/kafka"
)

// tp names a Kafka partition.
type tp struct {
	topic     string
	partition int32
}

// ownership tracks the partitions this process owns and the brokers'
// offsets of them, for the partition and lag metrics. Safe for concurrent
// use.
type ownership struct {
	mu sync.Mutex
	// placed is, per owned partition, the next offset to store as the
	// bucket's progress record said on assignment (-1: none yet).
	placed            map[tp]int64
	assigned, revoked map[string]int64 // partitions, per topic
	// high and low are the brokers' high watermarks and log start offsets,
	// as last polled.
	high, low map[tp]int64
}

func newOwnership() *ownership {
	return &ownership{placed: map[tp]int64{}, assigned: map[string]int64{}, revoked: map[string]int64{},
		high: map[tp]int64{}, low: map[tp]int64{}}
}

// assign records partitions given to this process, placed at their offsets.
func (o *ownership) assign(topic string, placed map[int32]int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for part, next := range placed {
		o.placed[tp{topic, part}] = next
	}
	o.assigned[topic] += int64(len(placed))
}

// revoke records partitions whose consumption stopped here.
func (o *ownership) revoke(topic string, partitions []int32) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, part := range partitions {
		delete(o.placed, tp{topic, part})
	}
	o.revoked[topic] += int64(len(partitions))
}

// polled stores the watermarks a poll listed for topic.
func (o *ownership) polled(topic string, marks map[int32]kafka.Watermarks) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for part, w := range marks {
		if w.End >= 0 {
			o.high[tp{topic, part}] = w.End
		}
		if w.Start >= 0 {
			o.low[tp{topic, part}] = w.Start
		}
	}
}

// lag is one owned partition's position against its high watermark.
type lag struct {
	tp
	durable, high int64
	// records is high - durable (never negative); seconds is how old the
	// newest durable record is while records > 0, 0 once caught up, and
	// negative when unknown.
	records int64
	seconds float64
	known   bool // high watermark polled
}

// lags computes the lag of every owned partition: durable is the larger of
// the offset placed on assignment and what this process committed since
// (the log start offset when neither is known).
func (o *ownership) lags(positions []commit.Position, now time.Time) []lag {
	committed := make(map[tp]commit.Position, len(positions))
	for _, pos := range positions {
		committed[tp{pos.Topic, pos.Partition}] = pos
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]lag, 0, len(o.placed))
	for part, placed := range o.placed {
		l := lag{tp: part, durable: placed, seconds: -1}
		var newest time.Time
		if pos, ok := committed[part]; ok && pos.Next >= placed {
			l.durable, newest = pos.Next, pos.Time
		}
		if l.durable < 0 {
			low, ok := o.low[part]
			if !ok {
				continue
			}
			l.durable = low
		}
		l.high, l.known = o.high[part]
		if l.known {
			l.records = max(l.high-max(l.durable, o.low[part]), 0)
			switch {
			case l.records == 0:
				l.seconds = 0
			case !newest.IsZero():
				l.seconds = max(now.Sub(newest).Seconds(), 0)
			}
		}
		out = append(out, l)
	}
	return out
}

// pollTimeout bounds one poll of the watermarks at least.
const pollTimeout = 10 * time.Second

// pollWatermarks lists the topics' high watermarks and log start offsets
// every interval until ctx is done, the first time at once.
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
		p.owned.polled(topic, marks)
	}
	return errors.Join(errs...)
}
