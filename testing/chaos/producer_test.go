//go:build chaos

package chaos

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// producer writes a steady stream of JSON events with unique ids and records
// the (partition, offset) of every acknowledged one. Its client retries
// forever, so a broker restart only slows it down.
type producer struct {
	client *kgo.Client

	mu      sync.Mutex
	acked   map[int32][]int64
	failed  int   // records whose produce failed
	dropped int   // records not sent because the buffer was full
	count   int64 // records acknowledged

	cancel context.CancelFunc
	done   chan struct{}
}

// event is what the producer writes: about 1 KiB with its padding, so that
// the buffer spills rounds and a full disk is felt (see diskSize).
type event struct {
	ID  int64  `json:"id"`
	TS  int64  `json:"ts"`
	Pad string `json:"pad"`
	// N is the event's number, a string in the events -chaos.typed makes
	// not fit the topic's schema (its n is an int64): those are
	// dead-lettered.
	N any `json:"n,omitempty"`
}

// padding is what events are padded with, cut to 200 to 1799 bytes.
var padding = strings.Repeat("sluice chaos padding ", 90)

// newProducer connects to the broker (opts: how, with -chaos.secure); run
// starts producing.
func newProducer(broker, topic string, opts ...kgo.Opt) (*producer, error) {
	client, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(broker),
		kgo.DefaultProduceTopic(topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.RoundRobinPartitioner()),
		kgo.ProducerLinger(5 * time.Millisecond),
		kgo.RetryTimeout(0),
		kgo.MaxBufferedRecords(20_000),
	}, opts...)...)
	if err != nil {
		return nil, err
	}
	return &producer{client: client, acked: map[int32][]int64{}, done: make(chan struct{})}, nil
}

// run produces rate records a second until stop is called.
func (p *producer) run(rate int) {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	go func() {
		defer close(p.done)
		const tick = 20 * time.Millisecond
		perTick := max(1, rate*int(tick)/int(time.Second))
		ticker := time.NewTicker(tick)
		defer ticker.Stop()
		var id int64
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
			}
			for range perTick {
				id++
				ev := event{ID: id, TS: time.Now().UnixMilli(), Pad: padding[:200+id%1600], N: id}
				if rejected(id) {
					ev.N = "n" + strconv.FormatInt(id, 10)
				}
				v, _ := json.Marshal(ev)
				// TryProduce never blocks: while the broker is down and the
				// buffer full, records are dropped before being sent.
				p.client.TryProduce(context.Background(), &kgo.Record{Value: v}, p.ack)
			}
		}
	}()
}

func (p *producer) ack(r *kgo.Record, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case errors.Is(err, kgo.ErrMaxBuffered):
		p.dropped++
		return
	case err != nil:
		p.failed++
		return
	}
	p.acked[r.Partition] = append(p.acked[r.Partition], r.Offset)
	p.count++
}

// stop stops producing and waits (up to timeout) for every record in flight
// to be acknowledged.
func (p *producer) stop(timeout time.Duration) error {
	p.cancel()
	<-p.done
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return p.client.Flush(ctx)
}

// close closes the client; records still buffered fail.
func (p *producer) close() { p.client.Close() }

// snapshot returns the acknowledged offsets per partition, the number of
// acknowledged, failed and dropped records.
func (p *producer) snapshot() (map[int32][]int64, int64, int, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[int32][]int64, len(p.acked))
	for part, offs := range p.acked {
		out[part] = append([]int64(nil), offs...)
	}
	return out, p.count, p.failed, p.dropped
}
