package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/IBM/sarama"

	"github.com/sluicehq/sluice/model"
)

// ErrNotOwner is returned by Coordinator.Commit when this process holds no
// live session for the partition (it was revoked or the session ended). The
// round is in the bucket all the same; the partition's next owner starts from
// the bucket's progress record.
var ErrNotOwner = errors.New("partition is not assigned to this process")

// Assignments is what the Coordinator asks the pipeline when the consumer group
// hands partitions out or takes them back.
type Assignments interface {
	// Assigned is called before any record of the partitions is consumed:
	// in the session's Setup for the partitions a session starts with
	// (blocking the rebalance while it runs), and at the start of a
	// partition's consumption for partitions a cooperative rebalance adds.
	// It returns the offset to start each partition at (the durable
	// position), or a negative offset to start where Kafka's committed
	// offset (or Consumer.Offsets.Initial) says. Records before the durable
	// position may still arrive (Kafka's committed offset lagged the
	// bucket); the pipeline skips them. An error fails the session; the
	// Subscriber then reconnects and tries again.
	Assigned(ctx context.Context, topic string, partitions []int32) (map[int32]int64, error)
	// Revoked is called when the consumption of a partition has ended (it was
	// revoked, or its session ended): every record of it the Subscriber
	// handed out was acked. Records acked but still on their way (in a
	// Batcher's batch) belong to the ended assignment; the pipeline drops
	// them by their batch's generation. Partitions a cooperative rebalance
	// leaves in place are not revoked.
	Revoked(topic string, partitions []int32)
}

// Coordinator is the SaramaTracer given to watermill-kafka's Subscriber. It
// owns the live consumer group sessions and is the only place offsets are
// committed. Safe for concurrent use.
type Coordinator struct {
	assign Assignments
	logger *slog.Logger

	mu     sync.Mutex
	owners map[string]*claimOwner // by model.LaneOf
	// unsynced holds offsets the commit stage could not commit to Kafka for
	// want of a live session; the next session of the partition commits them.
	unsynced map[string]int64
	// sessions counts the consumer group sessions set up.
	sessions atomic.Int64
	// joined is set once a session's Setup succeeded.
	joined atomic.Bool
}

type claimOwner struct {
	sess  sarama.ConsumerGroupSession
	topic string
	part  int32
	// placed says Setup placed the partition on its durable offset.
	placed bool
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
	lane := model.LaneOf(topic, partition)
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

// Sessions returns how many consumer group sessions were set up: one per
// rebalance this process took part in.
func (c *Coordinator) Sessions() int64 { return c.sessions.Load() }

// Joined reports whether this process has joined the consumer group: a
// session was set up and its partitions (possibly none) placed. It stays
// true through later rebalances.
func (c *Coordinator) Joined() bool { return c.joined.Load() }

// Owned reports whether the partition has a live session here.
func (c *Coordinator) Owned(topic string, partition int32) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	o := c.owners[model.LaneOf(topic, partition)]
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
	g.c.sessions.Add(1)
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
			g.c.owners[model.LaneOf(topic, p)] = &claimOwner{sess: sess, topic: topic, part: p, placed: true}
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
	if err := g.inner.Setup(sess); err != nil {
		return err
	}
	g.c.joined.Store(true)
	return nil
}

func (g *groupHandler) Cleanup(sess sarama.ConsumerGroupSession) error {
	err := g.inner.Cleanup(sess)
	// Partitions whose consumption never started (sarama could not create
	// the claim) are still owned by the session: let them go too.
	var left []*claimOwner
	g.c.mu.Lock()
	for lane, o := range g.c.owners {
		if o.sess == sess {
			delete(g.c.owners, lane)
			left = append(left, o)
		}
	}
	g.c.mu.Unlock()
	for _, o := range left {
		g.c.revoked(sess, o)
	}
	return err
}

func (g *groupHandler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	topic, part := claim.Topic(), claim.Partition()
	lane := model.LaneOf(topic, part)
	g.c.mu.Lock()
	o := g.c.owners[lane]
	if o == nil || o.sess != sess {
		// Added by a cooperative rebalance: not placed by Setup.
		o = &claimOwner{sess: sess, topic: topic, part: part}
		g.c.owners[lane] = o
	}
	o.claim = claim
	placed := o.placed
	g.c.mu.Unlock()
	defer func() {
		g.c.mu.Lock()
		current := g.c.owners[lane] == o
		if current {
			delete(g.c.owners, lane)
		}
		g.c.mu.Unlock()
		if current {
			g.c.revoked(sess, o)
		}
	}()

	if !placed {
		ok, err := g.c.place(sess, claim)
		if err != nil || !ok {
			// Returning ends the session; the next one starts where place
			// committed. Sarama reports a returned error on its Errors channel.
			return err
		}
	}
	// A round the commit stage stored while the partition had no live
	// session: commit it to Kafka now. The consumer's start offset was taken
	// before ConsumeClaim, so marking does not move it.
	g.c.mu.Lock()
	next, unsynced := g.c.unsynced[lane]
	delete(g.c.unsynced, lane)
	g.c.mu.Unlock()
	if unsynced {
		sess.MarkOffset(topic, part, next, "")
		sess.Commit()
	}
	return g.inner.ConsumeClaim(noCommitSession{sess}, claim)
}

// place asks the pipeline for the durable position of a partition that a
// cooperative rebalance added, whose claim sarama started at Kafka's
// committed offset. When Kafka starts at or before the durable position,
// consumption goes on (the pipeline skips what is already in the bucket).
// When Kafka would start past it, or has no committed offset, place commits
// the durable position to Kafka and returns false: the session must end, and
// the next one starts there.
func (c *Coordinator) place(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) (bool, error) {
	topic, part := claim.Topic(), claim.Partition()
	pos, err := c.assign.Assigned(sess.Context(), topic, []int32{part})
	if err != nil {
		return false, fmt.Errorf("placing partition %d of %q on its durable offset: %w", part, topic, err)
	}
	at, ok := pos[part]
	initial := claim.InitialOffset()
	c.logger.Info("partition assigned", "topic", topic, "partition", part,
		"generation", sess.GenerationID(), "position", at, "kafka_offset", initial)
	if !ok || at < 0 || (initial >= 0 && initial <= at) {
		return true, nil
	}
	c.logger.Warn("kafka's committed offset is past the durable position or missing: committing the durable position and restarting the session",
		"topic", topic, "partition", part, "position", at, "kafka_offset", initial)
	sess.ResetOffset(topic, part, at, "")
	sess.MarkOffset(topic, part, at, "")
	sess.Commit()
	return false, nil
}

// revoked tells the pipeline that the consumption of o's partition ended.
func (c *Coordinator) revoked(sess sarama.ConsumerGroupSession, o *claimOwner) {
	c.assign.Revoked(o.topic, []int32{o.part})
	c.logger.Info("partition revoked", "topic", o.topic, "partition", o.part,
		"generation", sess.GenerationID())
}

// Resync ends the consumption of a partition whose chain of rounds broke
// (a round was lost, or another process moved the partition on). Sarama ends
// the session when a claim's handler returns; the group rejoins and Setup
// places the partition on its durable offset again.
func (c *Coordinator) Resync(topic string, partition int32) {
	var claim sarama.ConsumerGroupClaim
	c.mu.Lock()
	if o := c.owners[model.LaneOf(topic, partition)]; o != nil {
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
