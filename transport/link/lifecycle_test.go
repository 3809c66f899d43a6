package link_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/sluicehq/sluice/transport/link"
)

func TestOneSubscriberPerTopic(t *testing.T) {
	l := newLink(t, link.Config{})
	subscribe(t, l, t.Context(), "t")
	_, err := l.Subscribe(t.Context(), "t")
	require.ErrorIs(t, err, link.ErrSubscribed)
	subscribe(t, l, t.Context(), "other")

	//nolint:staticcheck // a nil context is the bad input under test
	_, err = l.Subscribe(nil, "nil-context")
	require.ErrorContains(t, err, "nil context")
}

func TestSubscriberContextDoneRedeliversToNextSubscriber(t *testing.T) {
	l := newLink(t, link.Config{Lanes: 2})
	require.NoError(t, l.Publish("t", msg("a", 0), msg("a", 1), msg("b", 0)))

	ctx, cancel := context.WithCancel(t.Context())
	first := subscribe(t, l, ctx, "t")
	held := receive(t, first) // in flight, never acked
	cancel()
	closed(t, first)
	assert.Equal(t, 3, l.Pending("t"))

	second := subscribe(t, l, t.Context(), "t")
	got := map[string][]string{}
	for range 3 {
		m := receive(t, second)
		key := m.Metadata.Get(link.LaneKey)
		got[key] = append(got[key], string(m.Payload))
		m.Ack()
	}
	assert.Equal(t, map[string][]string{"a": {"a/0", "a/1"}, "b": {"b/0"}}, got)
	held.Ack() // an ack from the ended subscription is ignored
	require.NoError(t, l.Drain(t.Context()))
	assert.Zero(t, l.Pending("t"))
}

func TestCloseWithMessagesPending(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	l := link.New(link.Config{Lanes: 2, Capacity: 3}, nil)
	ch, err := l.Subscribe(context.Background(), "t")
	require.NoError(t, err)
	require.NoError(t, l.Publish("t", msg("a", 0), msg("a", 1), msg("b", 0)))
	receive(t, ch) // in flight, never acked
	publishing := async(func() error { return l.Publish("t", msg("c", 0)) })
	draining := async(func() error { return l.Drain(context.Background()) })
	blocked(t, publishing, "Publish on a full topic")

	closing := async(l.Close)
	require.NoError(t, result(t, closing, "Close"))
	closed(t, ch)
	require.ErrorIs(t, result(t, publishing, "blocked Publish"), link.ErrClosed)
	require.ErrorIs(t, result(t, draining, "blocked Drain"), link.ErrClosed)

	require.NoError(t, l.Close(), "second Close")
	require.ErrorIs(t, l.Publish("t", msg("a", 2)), link.ErrClosed)
	_, err = l.Subscribe(context.Background(), "u")
	require.ErrorIs(t, err, link.ErrClosed)
}

func TestCloseWithoutSubscribers(t *testing.T) {
	l := link.New(link.Config{}, nil)
	require.NoError(t, l.Publish("t", msg("a", 0)))
	require.NoError(t, l.Close())
	require.ErrorIs(t, l.Drain(t.Context()), link.ErrClosed)
	assert.Equal(t, 1, l.Pending("t"))
}
