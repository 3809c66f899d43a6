package link

import (
	"time"

	"github.com/ThreeDotsLabs/watermill"
)

// work is one of a subscription's delivery goroutines: it takes the next
// ready lane, delivers that lane's head until it is acked, and repeats. It
// stops when the subscription's context is done or the link closes, giving
// back the message it holds unacked.
func (l *Link) work(t *topic, s *subscription) {
	defer l.wg.Done()
	defer t.leave(s)
	for {
		ln, e, ok := l.next(t, s)
		if !ok {
			return
		}
		if !l.deliver(t, s, ln.key, e) {
			t.release(ln)
			return
		}
		t.ack(ln)
	}
}

// next waits for a ready lane and takes it; false means stop.
func (l *Link) next(t *topic, s *subscription) (*lane, entry, bool) {
	t.mu.Lock()
	for {
		if l.stopping(s) {
			t.mu.Unlock()
			return nil, entry{}, false
		}
		if ln, e, ok := t.take(); ok {
			t.mu.Unlock()
			return ln, e, true
		}
		readied := t.readied
		t.mu.Unlock()
		select {
		case <-readied:
		case <-s.ctx.Done():
		case <-l.closing:
		}
		t.mu.Lock()
	}
}

// deliver sends copies of e's message on s.out until one is acked (true) or
// the subscription stops (false). A nacked copy is followed by a fresh one
// after the retry delay, which doubles up to MaxRetryDelay.
func (l *Link) deliver(t *topic, s *subscription, key string, e entry) bool {
	delay := l.cfg.RetryDelay
	for attempt := 1; ; attempt++ {
		m := e.msg.Copy()
		m.SetContext(e.msg.Context())
		select {
		case s.out <- m:
		case <-s.ctx.Done():
			return false
		case <-l.closing:
			return false
		}
		select {
		case <-m.Acked():
			return true
		case <-m.Nacked():
		case <-s.ctx.Done():
			return false
		case <-l.closing:
			return false
		}
		l.logger.Debug("Message nacked, delivering again", watermill.LogFields{
			"topic": t.name, "lane": key, "message_uuid": m.UUID,
			"attempt": attempt, "delay": delay.String(),
		})
		if !l.sleep(s, delay) {
			return false
		}
		delay = min(2*delay, l.cfg.MaxRetryDelay)
	}
}

// sleep waits d; false means the subscription stopped meanwhile.
func (l *Link) sleep(s *subscription, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-s.ctx.Done():
		return false
	case <-l.closing:
		return false
	}
}

// stopping reports whether s must stop delivering.
func (l *Link) stopping(s *subscription) bool {
	select {
	case <-s.ctx.Done():
		return true
	case <-l.closing:
		return true
	default:
		return false
	}
}
