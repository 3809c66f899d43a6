package link

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
)

// LaneKey is the metadata key that names a message's lane. Messages without
// it share the lane "".
const LaneKey = "sluice_lane"

var (
	// ErrClosed is returned by Publish, Subscribe and Drain once the link is
	// closed.
	ErrClosed = errors.New("link closed")
	// ErrSubscribed is returned by Subscribe when the topic already has a
	// subscriber whose context is not done.
	ErrSubscribed = errors.New("topic already has a subscriber")
	// ErrNilMessage is returned by Publish for a nil message.
	ErrNilMessage = errors.New("nil message")
)

// Link is an in-process message.Publisher and message.Subscriber. Messages
// carrying the same lane key (metadata LaneKey) are delivered in publish
// order, one at a time: the next only after the previous was acked. Different
// lanes are delivered concurrently, up to Config.Lanes at once. Nack
// redelivers the same message (after Config.RetryDelay, growing to
// MaxRetryDelay) before any later message of its lane. Publish blocks while
// the topic holds Config.Capacity unacked messages (backpressure), until there
// is room, the message's context is done, or the link is closed. Messages
// published before Subscribe wait for it.
//
// Delivery is at least once: a message in flight when its subscription ends
// (context done) is delivered again, first in its lane, to the next
// subscriber of the topic. A delivered message carries the context it was
// published with.
//
// All methods are safe for concurrent use.
type Link struct {
	cfg    Config
	logger watermill.LoggerAdapter

	mu      sync.Mutex // guards topics and closed; taken before any topic's mu
	topics  map[string]*topic
	closed  bool
	closing chan struct{}
	wg      sync.WaitGroup // delivery goroutines
}

var (
	_ message.Publisher  = (*Link)(nil)
	_ message.Subscriber = (*Link)(nil)
)

// New returns an open Link. Zero or negative fields of cfg take their
// defaults (check user-written config with Config.Validate first); a nil
// logger discards.
func New(cfg Config, logger watermill.LoggerAdapter) *Link {
	if logger == nil {
		logger = watermill.NopLogger{}
	}
	return &Link{
		cfg:     cfg.withDefaults(),
		logger:  logger,
		topics:  make(map[string]*topic),
		closing: make(chan struct{}),
	}
}

// Publish appends msgs to topic in order, each to the lane named by its
// LaneKey metadata. It stores a copy of each message (UUID, metadata, payload
// and context). It blocks while the topic is full, until there is room, the
// message's context is done (the error wraps ctx.Err()) or the link is closed
// (ErrClosed). Publishing is not atomic: on error, the messages before the
// failing one are published and the rest are not.
func (l *Link) Publish(topicName string, msgs ...*message.Message) error {
	t, err := l.topic(topicName)
	if err != nil {
		return fmt.Errorf("publishing to %q: %w", topicName, err)
	}
	for i, msg := range msgs {
		if msg == nil {
			return fmt.Errorf("publishing message %d to %q: %w", i, topicName, ErrNilMessage)
		}
		if err := l.publish(t, msg); err != nil {
			return fmt.Errorf("publishing message %s to %q: %w", msg.UUID, topicName, err)
		}
	}
	return nil
}

func (l *Link) publish(t *topic, msg *message.Message) error {
	ctx := msg.Context()
	stored := msg.Copy()
	stored.SetContext(ctx)
	key := msg.Metadata.Get(LaneKey)

	t.mu.Lock()
	for t.pending >= l.cfg.Capacity {
		room := t.acked
		t.mu.Unlock()
		select {
		case <-room:
		case <-ctx.Done():
			return fmt.Errorf("waiting for room: %w", ctx.Err())
		case <-l.closing:
			return ErrClosed
		}
		t.mu.Lock()
	}
	defer t.mu.Unlock()
	select {
	case <-l.closing:
		return ErrClosed
	default:
	}
	t.push(key, stored)
	return nil
}

// Subscribe returns the channel on which topic's messages are delivered.
// Config.Lanes goroutines deliver on it; each waits for the Ack or Nack of the
// message it delivered before delivering the next one. The channel is closed
// when ctx is done or the link is closed; a topic has one subscriber at a
// time, a second Subscribe before the first's channel is closed returns
// ErrSubscribed.
func (l *Link) Subscribe(ctx context.Context, topicName string) (<-chan *message.Message, error) {
	if ctx == nil {
		return nil, fmt.Errorf("subscribing to %q: nil context", topicName)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, fmt.Errorf("subscribing to %q: %w", topicName, ErrClosed)
	}
	t := l.topicLocked(topicName)

	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sub != nil {
		return nil, fmt.Errorf("subscribing to %q: %w", topicName, ErrSubscribed)
	}
	s := &subscription{
		ctx:     ctx,
		out:     make(chan *message.Message),
		workers: l.cfg.Lanes,
	}
	t.sub = s
	l.wg.Add(l.cfg.Lanes)
	for range l.cfg.Lanes {
		go l.work(t, s)
	}
	l.logger.Debug("Subscribed", watermill.LogFields{"topic": topicName, "lanes": l.cfg.Lanes})
	return s.out, nil
}

// Drain blocks until every message published before the call is acked. It
// returns ctx's error when ctx is done first, and ErrClosed when the link is
// closed while messages are still unacked.
func (l *Link) Drain(ctx context.Context) error {
	type mark struct {
		t   *topic
		seq uint64
	}
	l.mu.Lock()
	marks := make([]mark, 0, len(l.topics))
	for _, t := range l.topics {
		t.mu.Lock()
		marks = append(marks, mark{t: t, seq: t.nextSeq})
		t.mu.Unlock()
	}
	l.mu.Unlock()

	for _, m := range marks {
		m.t.mu.Lock()
		for !m.t.drainedUpTo(m.seq) {
			progress := m.t.acked
			m.t.mu.Unlock()
			select {
			case <-progress:
			case <-ctx.Done():
				return fmt.Errorf("draining %q: %w", m.t.name, ctx.Err())
			case <-l.closing:
				return fmt.Errorf("draining %q: %w", m.t.name, ErrClosed)
			}
			m.t.mu.Lock()
		}
		m.t.mu.Unlock()
	}
	return nil
}

// Pending returns how many messages of topic are published and not yet acked,
// in flight ones included.
func (l *Link) Pending(topicName string) int {
	l.mu.Lock()
	t, ok := l.topics[topicName]
	l.mu.Unlock()
	if !ok {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pending
}

// Close stops delivery, closes every subscription's channel and waits for the
// link's goroutines. Messages in flight or waiting are dropped (acks that
// arrive later are ignored). Close is idempotent and always returns nil;
// afterwards Publish, Subscribe and Drain return ErrClosed.
func (l *Link) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		l.wg.Wait()
		return nil
	}
	l.closed = true
	close(l.closing)
	l.mu.Unlock()

	l.wg.Wait()
	l.logger.Debug("Link closed", nil)
	return nil
}

// topic returns the topic named name, creating it, or ErrClosed.
func (l *Link) topic(name string) (*topic, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	return l.topicLocked(name), nil
}

func (l *Link) topicLocked(name string) *topic {
	t, ok := l.topics[name]
	if !ok {
		t = newTopic(name)
		l.topics[name] = t
	}
	return t
}
