package pipeline

import (
	"context"
	"fmt"
	"sync"

	wkafka "github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
)

// consumers are the Kafka side of the ingest chain: watermill-kafka's
// Subscriber, one subscription per topic, each read by the batcher, and the
// batcher's linger loop.
type consumers struct {
	sub    *wkafka.Subscriber
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// readersPerTopic is how many goroutines read each topic's subscription:
// records of a partition still enter their batch in order (the Subscriber
// hands out a partition's next record only once the previous is acked).
const readersPerTopic = 2

// consume subscribes to every topic and feeds the batcher until stop. A
// batcher that fails (it cannot hand a batch on: only when sluice stops)
// stops sluice.
func (p *Pipeline) consume(ctx context.Context, sub *wkafka.Subscriber) (*consumers, error) {
	ctx, cancel := context.WithCancel(ctx)
	c := &consumers{sub: sub, cancel: cancel}
	c.wg.Go(func() { p.batcher.Run(ctx) })
	for _, t := range p.topicNames() {
		msgs, err := sub.Subscribe(ctx, t)
		if err != nil {
			return c, fmt.Errorf("subscribing to %q: %w", t, err)
		}
		c.wg.Go(func() {
			if err := p.batcher.Consume(ctx, msgs, readersPerTopic); err != nil {
				select {
				case p.fatal <- fmt.Errorf("consuming %q: %w", t, err):
				default:
				}
			}
		})
	}
	return c, nil
}

// stop stops reading, closes the Subscriber (it leaves the consumer group)
// and waits for the readers, until ctx is done.
func (c *consumers) stop(ctx context.Context) error {
	if c == nil {
		return nil
	}
	c.cancel()
	closed := make(chan error, 1)
	go func() { closed <- c.sub.Close() }()
	var err error
	select {
	case err = <-closed:
	case <-ctx.Done():
		err = fmt.Errorf("closing the kafka subscriber: %w", ctx.Err())
	}
	c.wg.Wait()
	return err
}
