package link

import (
	"context"
	"sync"

	"github.com/ThreeDotsLabs/watermill/message"
)

// entry is a published message waiting in its lane, numbered in publish order
// across the topic (Drain waits for numbers).
type entry struct {
	msg *message.Message
	seq uint64
}

// lane is the FIFO of one lane key. queue[0] is in flight while busy. A lane
// exists only while it holds messages.
type lane struct {
	key   string
	queue []entry
	busy  bool
}

// subscription is the one consumer of a topic: its channel and the number of
// its delivery goroutines still running (the last one closes out).
type subscription struct {
	ctx     context.Context
	out     chan *message.Message
	workers int
}

// topic holds the state of one topic. Every field below mu is guarded by it.
// Waiters take a signal channel under mu and wait on it unlocked; whoever
// changes what they wait for closes the channel and replaces it.
type topic struct {
	name string

	mu      sync.Mutex
	lanes   map[string]*lane
	ready   []*lane // lanes with messages and nothing in flight, in turn order
	pending int     // published and not yet acked
	nextSeq uint64
	sub     *subscription
	acked   chan struct{} // closed on every ack: room for publishers, progress for Drain
	readied chan struct{} // closed when a lane becomes ready: work for deliverers
}

func newTopic(name string) *topic {
	return &topic{
		name:    name,
		lanes:   make(map[string]*lane),
		acked:   make(chan struct{}),
		readied: make(chan struct{}),
	}
}

// push appends msg to the lane of key. Callers hold mu and have checked room.
func (t *topic) push(key string, msg *message.Message) {
	ln, ok := t.lanes[key]
	if !ok {
		ln = &lane{key: key}
		t.lanes[key] = ln
	}
	ln.queue = append(ln.queue, entry{msg: msg, seq: t.nextSeq})
	t.nextSeq++
	t.pending++
	if !ln.busy && len(ln.queue) == 1 {
		t.ready = append(t.ready, ln)
		t.signalReadied()
	}
}

// take marks the next ready lane busy and returns it with its head message, or
// false when no lane is ready. Callers hold mu.
func (t *topic) take() (*lane, entry, bool) {
	if len(t.ready) == 0 {
		return nil, entry{}, false
	}
	ln := t.ready[0]
	t.ready[0] = nil
	t.ready = t.ready[1:]
	ln.busy = true
	return ln, ln.queue[0], true
}

// ack removes the in-flight head of ln; the lane's next message, if any, waits
// for its turn behind the lanes already ready.
func (t *topic) ack(ln *lane) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ln.queue[0] = entry{}
	ln.queue = ln.queue[1:]
	ln.busy = false
	t.pending--
	if len(ln.queue) == 0 {
		delete(t.lanes, ln.key)
	} else {
		t.ready = append(t.ready, ln)
		t.signalReadied()
	}
	close(t.acked)
	t.acked = make(chan struct{})
}

// release gives the in-flight head of ln back, unacked: it is the first
// message delivered to the next subscription.
func (t *topic) release(ln *lane) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ln.busy = false
	t.ready = append([]*lane{ln}, t.ready...)
	t.signalReadied()
}

// leave records that one delivery goroutine of s stopped; the last one closes
// the subscription's channel and frees the topic for a new subscriber.
func (t *topic) leave(s *subscription) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s.workers--
	if s.workers > 0 {
		return
	}
	close(s.out)
	if t.sub == s {
		t.sub = nil
	}
}

// drainedUpTo reports whether every message numbered below seq is acked.
// Lanes are FIFO, so looking at their heads is enough. Callers hold mu.
func (t *topic) drainedUpTo(seq uint64) bool {
	for _, ln := range t.lanes {
		if ln.queue[0].seq < seq {
			return false
		}
	}
	return true
}

func (t *topic) signalReadied() {
	close(t.readied)
	t.readied = make(chan struct{})
}
