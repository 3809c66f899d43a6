package link_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/sluicehq/sluice/transport/link"
)

// wait bounds every wait for something that must happen; quiet is how long a
// test watches for something that must not happen (it can only make such a
// test pass wrongly by being too short, never fail it wrongly).
const (
	wait  = 10 * time.Second
	quiet = 50 * time.Millisecond
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func newLink(t *testing.T, cfg link.Config) *link.Link {
	t.Helper()
	l := link.New(cfg, watermill.NopLogger{})
	t.Cleanup(func() { require.NoError(t, l.Close()) })
	return l
}

// msg returns a message of lane key whose payload is "key/i".
func msg(key string, i int) *message.Message {
	m := message.NewMessage(watermill.NewUUID(), fmt.Appendf(nil, "%s/%d", key, i))
	if key != "" {
		m.Metadata.Set(link.LaneKey, key)
	}
	return m
}

// receive returns the next message from ch or fails the test.
func receive(t *testing.T, ch <-chan *message.Message) *message.Message {
	t.Helper()
	select {
	case m, ok := <-ch:
		require.True(t, ok, "channel closed")
		return m
	case <-time.After(wait):
		require.FailNow(t, "no message delivered")
		return nil
	}
}

// nothing asserts that ch delivers nothing for a while.
func nothing(t *testing.T, ch <-chan *message.Message) {
	t.Helper()
	select {
	case m, ok := <-ch:
		if ok {
			require.FailNowf(t, "unexpected delivery", "payload %q", m.Payload)
		}
		require.FailNow(t, "channel closed unexpectedly")
	case <-time.After(quiet):
	}
}

// closed waits until ch is closed, nacking whatever it still delivers.
func closed(t *testing.T, ch <-chan *message.Message) {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case m, ok := <-ch:
			if !ok {
				return
			}
			m.Nack()
		case <-deadline:
			require.FailNow(t, "channel not closed")
		}
	}
}

// async runs f in a goroutine and returns the channel its error arrives on.
func async(f func() error) <-chan error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	return done
}

// blocked asserts that done has not delivered yet.
func blocked(t *testing.T, done <-chan error, what string) {
	t.Helper()
	select {
	case err := <-done:
		require.FailNowf(t, "returned early", "%s returned %v", what, err)
	case <-time.After(quiet):
	}
}

// result waits for done's error.
func result(t *testing.T, done <-chan error, what string) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(wait):
		require.FailNowf(t, "still blocked", "%s did not return", what)
		return nil
	}
}

func subscribe(t *testing.T, l *link.Link, ctx context.Context, topic string) <-chan *message.Message {
	t.Helper()
	ch, err := l.Subscribe(ctx, topic)
	require.NoError(t, err)
	return ch
}
