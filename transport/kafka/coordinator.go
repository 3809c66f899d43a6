package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"github.com/IBM/sarama"

	"github.com/sluicehq/sluice/stages"
)

// ErrNotOwner is returned by Coordinator.Commit when this process holds no
// live session for the partition (it was revoked or the session ended). The
// round is in the bucket all the same; the partition's next owner starts from
// the bucket's progress record.
var ErrNotOwner = errors.New("partition is not assigned to this process")

// Assignments is what the Coordinator asks the pipeline when the consumer group
// hands partitions out or takes them back.
type Assignments interface {
	// Assigned is called in the session's Setup, before any record of the
	// partitions is consumed, and blocks the rebalance while it runs. It returns
	// the offset to start each partition at (the durable position), or a
	// negative offset to start where Kafka's committed offset (or
	// Consumer.Offsets.Initial) says. An error fails the session; the
	// Subscriber then reconnects and tries again.
	Assigned(ctx context.Context, topic string, partitions []int32) (map[int32]int64, error)
	// Revoked is called in the session's Cleanup, once every ConsumeClaim of
	// the session has returned: no record of these partitions is in flight in
	// the handlers any more.
	Revoked(topic string, partitions []int32)
}

// Coordinator is the SaramaTracer given to watermill-kafka's Subscriber. It
// owns the live consumer group sessions and is the only place offsets are
// committed. Safe for concurrent use.
type Coordinator struct {
	assign Assignments
	logger *slog.Logger

	mu     sync.Mutex
	owners map[string]*claimOwner // by stages.LaneOf
	// unsynced holds offsets the commit stage could not commit to Kafka for
	// want of a live session; the next session of the partition commits them.
	unsynced map[string]int64
}

type claimOwner struct {
	sess  sarama.ConsumerGroupSession
	topic string
	part  int32
	// claim is set while the partition is being consumed.
	claim sarama.ConsumerGroupClaim
}

// NewCoordinator returns a Coordinator asking assign on every rebalance.
func NewCoordinator(assign Assignments, logger *slog.Logger) *Coordinator {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Coordinator{assign: assign, logger: logger, owners: map[string]*claimOwner{}, unsynced: map[string]int64{}}
}

// Commit marks and commits next as the partition's committed offset on its
// live session: the offset of the first record not yet in the bucket. It
// returns ErrNotOwner when the partition has no live session here.
func (c *Coordinator) Commit(topic string, partition int32, next int64) error {
	lane := stages.LaneOf(topic, partition)
	c.mu.Lock()
	o := c.owners[lane]
	if o == nil || o.sess.Context().Err() != nil {
		c.unsynced[lane] = max(c.unsynced[lane], next)
		c.mu.Unlock()
		return ErrNotOwner
	}
	c.mu.Unlock()
	o.sess.MarkOffset(topic, partition, next, "")
	o.sess.Commit()
	return nil
}

// Owned reports whether the partition has a live session here.
func (c *Coordinator) Owned(topic string, partition int32) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	o := c.owners[stages.LaneOf(topic, partition)]
	return o != nil && o.sess.Context().Err() == nil
}

// WrapConsumerGroupHandler implements watermill-kafka's SaramaTracer.
func (c *Coordinator) WrapConsumerGroupHandler(h sarama.ConsumerGroupHandler) sarama.ConsumerGroupHandler {
	return &groupHandler{inner: h, c: c}
}

// WrapConsumer implements SaramaTracer; consumers outside a group pass through.
func (c *Coordinator) WrapConsumer(cons sarama.Consumer) sarama.Consumer { return cons }

// WrapPartitionConsumer implements SaramaTracer.
func (c *Coordinator) WrapPartitionConsumer(pc sarama.PartitionConsumer) sarama.PartitionConsumer {
	return pc
}

// WrapSyncProducer implements SaramaTracer.
func (c *Coordinator) WrapSyncProducer(_ *sarama.Config, p sarama.SyncProducer) sarama.SyncProducer {
	return p
}

type groupHandler struct {
	inner sarama.ConsumerGroupHandler
	c     *Coordinator
}

func (g *groupHandler) Setup(sess sarama.ConsumerGroupSession) error {
	claims := sess.Claims()
	topics := make([]string, 0, len(claims))
	for t := range claims {
		topics = append(topics, t)
	}
	sort.Strings(topics)
	for _, topic := range topics {
		parts := claims[topic]
		pos, err := g.c.assign.Assigned(sess.Context(), topic, parts)
		if err != nil {
			return fmt.Errorf("placing partitions of %q on their durable offsets: %w", topic, err)
		}
		placed := false
		for _, p := range parts {
			if off, ok := pos[p]; ok && off >= 0 {
				// ResetOffset only moves back and MarkOffset only moves forward.
				sess.ResetOffset(topic, p, off, "")
				sess.MarkOffset(topic, p, off, "")
				placed = true
			}
		}
		g.c.mu.Lock()
		for _, p := range parts {
			g.c.owners[stages.LaneOf(topic, p)] = &claimOwner{sess: sess, topic: topic, part: p}
		}
		g.c.mu.Unlock()
		if placed {
			// Kafka's committed offset says what the bucket holds, also for
			// rounds committed while the partition had no live session.
			sess.Commit()
		}
		g.c.logger.Info("partitions assigned", "topic", topic, "partitions", parts,
			"generation", sess.GenerationID(), "positions", pos)
	}
	return g.inner.Setup(sess)
}

func (g *groupHandler) Cleanup(sess sarama.ConsumerGroupSession) error {
	err := g.inner.Cleanup(sess)
	for topic, parts := range sess.Claims() {
		g.c.mu.Lock()
		for _, p := range parts {
			lane := stages.LaneOf(topic, p)
			if o := g.c.owners[lane]; o != nil && o.sess == sess {
				delete(g.c.owners, lane)
			}
		}
		g.c.mu.Unlock()
		g.c.assign.Revoked(topic, parts)
		g.c.logger.Info("partitions revoked", "topic", topic, "partitions", parts,
			"generation", sess.GenerationID())
	}
	return err
}

func (g *groupHandler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	lane := stages.LaneOf(claim.Topic(), claim.Partition())
	g.c.mu.Lock()
	if o := g.c.owners[lane]; o != nil && o.sess == sess {
		o.claim = claim
	}
	// A round the commit stage stored while the partition had no live
	// session: commit it to Kafka now. The consumer's start offset was taken
	// before ConsumeClaim, so marking does not move it.
	next, unsynced := g.c.unsynced[lane]
	delete(g.c.unsynced, lane)
	g.c.mu.Unlock()
	if unsynced {
		sess.MarkOffset(claim.Topic(), claim.Partition(), next, "")
		sess.Commit()
	}
	return g.inner.ConsumeClaim(noCommitSession{sess}, claim)
}

// Resync ends the consumption of a partition whose chain of rounds broke
// (a round was lost, or another process moved the partition on). Sarama ends
// the session when a claim's handler returns; the group rejoins and Setup
// places the partition on its durable offset again.
func (c *Coordinator) Resync(topic string, partition int32) {
	var claim sarama.ConsumerGroupClaim
	c.mu.Lock()
	if o := c.owners[stages.LaneOf(topic, partition)]; o != nil {
		claim = o.claim // ConsumeClaim sets it under c.mu
	}
	c.mu.Unlock()
	if claim == nil {
		return
	}
	if ac, ok := claim.(interface{ AsyncClose() }); ok {
		c.logger.Warn("resyncing partition from its durable offset", "topic", topic, "partition", partition)
		ac.AsyncClose()
	}
}

// noCommitSession is the session Watermill sees: its acks commit nothing.
type noCommitSession struct{ sarama.ConsumerGroupSession }

func (noCommitSession) MarkMessage(*sarama.ConsumerMessage, string) {}
func (noCommitSession) MarkOffset(string, int32, int64, string)     {}
func (noCommitSession) ResetOffset(string, int32, int64, string)    {}
func (noCommitSession) Commit()                                     {}
