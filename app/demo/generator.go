package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// generatorTick is how often the generator produces what is due.
const generatorTick = 50 * time.Millisecond

// flushTimeout bounds waiting for produced records to be acknowledged when
// the generator stops.
const flushTimeout = 10 * time.Second

// users is how many distinct users the events come from.
const users = 100

var (
	actions = []string{"view", "view", "view", "click", "click", "add_to_cart", "purchase"}
	pages   = []string{"/", "/pricing", "/docs", "/blog", "/signup", "/checkout"}
)

// Generator produces sample JSON events into a topic at a steady rate:
//
//	{"id":17,"ts":1767225600000,"user":"u42","action":"click","page":"/pricing"}
//
// "ts" is the wall clock in Unix milliseconds; the record key is the user, so
// one user's events stay in order on one partition.
type Generator struct {
	client   *kgo.Client
	topic    string
	rate     int
	rnd      *rand.Rand
	next     int64        // id of the next event
	produced atomic.Int64 // acknowledged by the broker
	failed   atomic.Int64 // refused by the broker
}

// NewGenerator returns a generator of rate events per second into topic on
// the brokers. It connects lazily; Run produces.
func NewGenerator(brokers []string, topic string, rate int) (*Generator, error) {
	if rate < 1 {
		return nil, fmt.Errorf("creating generator: rate must be at least 1 event per second, got %d", rate)
	}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(brokers...),
		kgo.DefaultProduceTopic(topic),
		kgo.ProducerLinger(10*time.Millisecond),
		kgo.MaxBufferedRecords(10*rate+1000), // bounded: Produce blocks past it
		kgo.RecordDeliveryTimeout(flushTimeout),
	)
	if err != nil {
		return nil, fmt.Errorf("creating generator client: %w", err)
	}
	return &Generator{client: cl, topic: topic, rate: rate, rnd: rand.New(rand.NewPCG(1, 2))}, nil
}

// Produced returns how many events the broker acknowledged so far.
func (g *Generator) Produced() int64 { return g.produced.Load() }

// Failed returns how many events the broker refused.
func (g *Generator) Failed() int64 { return g.failed.Load() }

// Run produces events until ctx is done, then waits (a bounded time) for
// those in flight to be acknowledged and closes the client. It returns the
// flush error, if any; Run may be called once.
func (g *Generator) Run(ctx context.Context) error {
	defer g.client.Close()
	start := time.Now()
	tick := time.NewTicker(generatorTick)
	defer tick.Stop()
	// Records outlive ctx: they are flushed, not abandoned, when it ends.
	produceCtx := context.WithoutCancel(ctx)
	for {
		select {
		case <-ctx.Done():
			flushCtx, cancel := context.WithTimeout(produceCtx, flushTimeout)
			defer cancel()
			if err := g.client.Flush(flushCtx); err != nil {
				return fmt.Errorf("flushing generated events: %w", err)
			}
			return nil
		case now := <-tick.C:
			due := int64(now.Sub(start).Seconds() * float64(g.rate))
			for g.next < due && ctx.Err() == nil {
				g.client.Produce(produceCtx, g.event(now), g.done)
			}
		}
	}
}

func (g *Generator) done(_ *kgo.Record, err error) {
	if err != nil {
		g.failed.Add(1)
		return
	}
	g.produced.Add(1)
}

// event builds the next event; Run's goroutine only.
func (g *Generator) event(now time.Time) *kgo.Record {
	id := g.next
	g.next++
	user := "u" + strconv.Itoa(1+g.rnd.IntN(users))
	action := actions[g.rnd.IntN(len(actions))]
	page := pages[g.rnd.IntN(len(pages))]
	b := make([]byte, 0, 96)
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"ts":`...)
	b = strconv.AppendInt(b, now.UnixMilli(), 10)
	b = append(b, `,"user":"`...)
	b = append(b, user...)
	b = append(b, `","action":"`...)
	b = append(b, action...)
	b = append(b, `","page":"`...)
	b = append(b, page...)
	b = append(b, `"}`...)
	return &kgo.Record{Topic: g.topic, Key: []byte(user), Value: b}
}
