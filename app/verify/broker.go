package verify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"

	"github.com/sluicehq/sluice/transport/kafka"
)

// DefaultBrokerMaxBytes is how many bytes of record batches a verification
// fetches from the broker at most when Config.BrokerMaxBytes is 0.
const DefaultBrokerMaxBytes = 1 << 30

// maxLostRuns bounds the lost ranges a gap's finding lists.
const maxLostRuns = 5

// Broker tells what Kafka holds. *kafka.Inspector implements it; its
// methods must be safe to call from one goroutine at a time and honour ctx.
type Broker interface {
	// Watermarks returns the log start offset, high watermark and last
	// stable offset of every partition of topic. An error wrapping
	// kafka.ErrUnknownPartition means the broker has no such topic; any
	// other error on the first call means the broker cannot be reached.
	Watermarks(ctx context.Context, topic string) (map[int32]kafka.Watermarks, error)
	// PresentOffsets examines offsets from..to (fetching at most maxBytes)
	// and returns those holding data records, as kafka.Presence describes:
	// every offset in [from, Next) not listed holds none. On an error it
	// returns what it examined so far.
	PresentOffsets(ctx context.Context, topic string, partition int32, from, to, maxBytes int64) (kafka.Presence, error)
	// ReadCommitted reports whether offsets are read with isolation
	// read_committed, as sluice's consumer reads them.
	ReadCommitted() bool
}

// gapVerdict is what the broker said about one gap.
type gapVerdict struct {
	kafka      int64  // offsets Kafka has no data record at
	retention  *Range // offsets below the log start offset
	lost       int64  // offsets Kafka holds that no object does
	lostSpan   Range  // from the first to the last lost offset
	lostRuns   []Range
	unverified []Range // offsets not classified, with reason
	reason     string
}

func (v *gapVerdict) addLost(r Range) {
	if v.lost == 0 {
		v.lostSpan = r
	}
	v.lost += r.Len()
	v.lostSpan.End = r.End
	if len(v.lostRuns) < maxLostRuns {
		v.lostRuns = append(v.lostRuns, r)
	}
}

func (v *gapVerdict) unverify(r Range, reason string) {
	v.unverified = append(v.unverified, r)
	v.reason = reason
}

// consult asks br about every lane: watermarks per topic, then the gaps of
// each lane in order, spending at most budget bytes of fetches. It returns a
// store-wide warning when the broker cannot be reached (the lanes then stay
// unconsulted), and an error only when ctx is done.
func (s *laneSet) consult(ctx context.Context, br Broker, budget int64, log *slog.Logger) (*Finding, error) {
	byTopic := map[string][]*lane{}
	for _, ln := range s.lanes {
		byTopic[ln.key.topic] = append(byTopic[ln.key.topic], ln)
	}
	reached := false
	for _, topic := range slices.Sorted(maps.Keys(byTopic)) {
		lanes := byTopic[topic]
		slices.SortFunc(lanes, func(a, b *lane) int { return cmp.Compare(a.key.partition, b.key.partition) })
		wm, err := br.Watermarks(ctx, topic)
		switch {
		case ctx.Err() != nil:
			return nil, fmt.Errorf("asking the broker: %w", ctx.Err())
		case err != nil && !reached && !errors.Is(err, kafka.ErrUnknownPartition):
			return &Finding{Severity: SeverityWarning, Kind: KindBrokerUnreachable,
				Message: fmt.Sprintf("kafka broker not reachable, every gap stays unverified: %v", err)}, nil
		case err != nil:
			for _, ln := range lanes {
				ln.warning(KindBrokerError, nil, nil, "the broker cannot list the partition, its gaps stay unverified: %v", err)
			}
			continue
		}
		reached = true
		for _, ln := range lanes {
			w, ok := wm[ln.key.partition]
			if !ok {
				ln.warning(KindBrokerError, nil, nil, "the broker has no partition %d of %q, its gaps stay unverified", ln.key.partition, topic)
				continue
			}
			ln.wm = &w
			ln.readEnd = w.End
			if br.ReadCommitted() {
				ln.readEnd = w.Stable
			}
			if err := ln.classify(ctx, br, &budget); err != nil {
				return nil, err
			}
			log.Debug("asked the broker", "topic", topic, "partition", ln.key.partition, "budget_left", budget)
		}
	}
	return nil, nil
}

// classify asks the broker about each gap of the lane outside the pending
// round, in order, reusing what one fetch returned for the gaps after it.
func (ln *lane) classify(ctx context.Context, br Broker, budget *int64) error {
	ln.verdicts = map[int64]*gapVerdict{}
	var known kafka.Presence // offsets [knownFrom, known.Next) are examined
	var knownFrom int64
	for _, g := range ln.gaps {
		if ln.inPending(g) {
			continue
		}
		v := &gapVerdict{}
		ln.verdicts[g.Start] = v
		rest := g
		if rest.Start < ln.wm.Start {
			r := Range{rest.Start, min(rest.End, ln.wm.Start-1)}
			v.retention = &r
			rest.Start = r.End + 1
		}
		if rest.End >= ln.readEnd && rest.Start <= rest.End {
			v.unverify(Range{max(rest.Start, ln.readEnd), rest.End},
				fmt.Sprintf("the broker's log ends at offset %d (was the topic recreated or truncated?)", ln.readEnd))
			rest.End = ln.readEnd - 1
		}
		for pos := rest.Start; pos <= rest.End; {
			if pos < knownFrom || pos >= known.Next {
				if *budget <= 0 {
					v.unverify(Range{pos, rest.End}, "the broker read budget is spent")
					break
				}
				p, err := br.PresentOffsets(ctx, ln.key.topic, ln.key.partition, pos, rest.End, *budget)
				*budget -= p.Bytes
				if ctx.Err() != nil {
					return fmt.Errorf("asking the broker: %w", ctx.Err())
				}
				known, knownFrom = p, pos
				if p.Next <= pos {
					reason := fmt.Sprintf("the broker returned nothing at offset %d", pos)
					if err != nil {
						reason = err.Error()
					}
					v.unverify(Range{pos, rest.End}, reason)
					break
				}
			}
			hi := min(rest.End, known.Next-1)
			present := known.Present
			i := sort.Search(len(present), func(k int) bool { return present[k].End >= pos })
			var lost int64
			for ; i < len(present) && present[i].Start <= hi; i++ {
				r := Range{max(present[i].Start, pos), min(present[i].End, hi)}
				v.addLost(r)
				lost += r.Len()
			}
			v.kafka += hi - pos + 1 - lost
			pos = hi + 1
		}
	}
	return nil
}

// lag fills p.Broker from the watermarks and warns when retention deleted
// offsets before they were archived.
func (ln *lane) lag(p *Partition) {
	w := ln.wm
	if w == nil {
		return
	}
	next := w.Start
	switch {
	case ln.progress != nil:
		next = ln.progress.Next
	case !ln.covered.Empty():
		next = ln.covered.Max() + 1
	}
	p.Broker = &BrokerOffsets{LogStart: w.Start, HighWatermark: w.End, LastStable: w.Stable,
		Lag: max(0, ln.readEnd-max(next, w.Start))}
	if next < w.Start {
		r := Range{next, w.Start - 1}
		ln.warning(KindRetentionUnread, &r, nil,
			"offsets %s were deleted from Kafka (log start offset %d) before they were archived", r, w.Start)
	}
}
