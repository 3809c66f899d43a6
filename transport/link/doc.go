// Package link is sluice's in-process Watermill Pub/Sub: a bounded queue
// that keeps messages of one lane in order and runs lanes in parallel.
//
// Sealed rounds travel buffer → upload → commit as Watermill messages. The
// rounds of one Kafka partition must be handled strictly in order (round N+1
// is uploaded only after round N is committed), while rounds of different
// partitions should proceed in parallel. Watermill's gochannel does not fit:
// it drops messages published before a subscriber exists, has no
// backpressure unless BlockPublishUntilSubscriberAck, and then serialises the
// whole topic. A Link is used as the publisher and the subscriber of the
// handlers it connects; the stage that publishes sets the LaneKey metadata
// (a round's lane is its Kafka topic and partition).
//
// # Design
//
// Each topic keeps, under one mutex:
//
//   - a FIFO per lane key, created when the lane's first message is published
//     and dropped when its last one is acked (so lanes cost nothing while idle);
//   - a ready list: the lanes that hold messages and have none in flight, in
//     the order they became ready;
//   - a count of published, unacked messages, bounded by Config.Capacity.
//
// Subscribe starts Config.Lanes delivery goroutines for the topic; they are
// the only goroutines a Link has. Each one takes the lane at the head of the
// ready list, marks it busy, sends a copy of the lane's head message on the
// subscription's channel and waits for the copy's Ack or Nack. On Ack the
// message leaves its lane and the lane, if it holds more, goes to the tail of
// the ready list, so lanes take turns; on Nack the goroutine waits the retry
// delay and sends a fresh copy of the same message. A busy lane is never in
// the ready list, which gives both guarantees: one message in flight per lane
// (in publish order, redeliveries first), and up to Config.Lanes lanes in
// flight at once. Lanes are not hashed onto goroutines, so one slow lane never
// holds up another that happened to share its hash.
//
// Publish waits while the topic holds Capacity unacked messages; every Ack
// makes room. Messages published before any Subscribe simply wait in their
// lanes. When a subscription's context is done or the link is closed, its
// goroutines give their in-flight messages back to the front of the ready
// list, the last one out closes the channel, and the topic accepts a new
// subscriber, which receives those messages first: delivery is at least once.
// Waiting is done on channels that are closed and replaced on every change
// (an Ack, a lane becoming ready), so every wait also watches a context and
// the link's closing.
//
// Drain numbers messages in publish order: it waits until no lane's head is
// older than the number published when Drain was called (lanes are FIFO, so
// their heads are their oldest messages).
//
// A delivered message is a copy of the published one (UUID, metadata,
// payload) carrying the published message's context, so trace spans and
// other context values ride along. Acks of copies from an ended subscription
// are ignored.
//
// The Watermill Router closes its handlers' publisher and subscriber when it
// stops; Close is idempotent, so one Link may serve several handlers of one
// router, and it stops with the router.
package link
