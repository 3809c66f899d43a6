package link_test

import (
	"context"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/transport/link"
)

func TestPublishedBeforeSubscribeIsDelivered(t *testing.T) {
	l := newLink(t, link.Config{Lanes: 1})
	want := []string{"a/0", "b/0", "a/1", "/0", "b/1"}
	for _, p := range []*message.Message{msg("a", 0), msg("b", 0), msg("a", 1), msg("", 0), msg("b", 1)} {
		require.NoError(t, l.Publish("t", p))
	}
	require.Equal(t, 5, l.Pending("t"))

	ch := subscribe(t, l, t.Context(), "t")
	var got []string
	for range want {
		m := receive(t, ch)
		got = append(got, string(m.Payload))
		m.Ack()
	}
	// One lane at a time; lanes take turns in the order they became ready.
	assert.Equal(t, []string{"a/0", "b/0", "/0", "a/1", "b/1"}, got)
	require.NoError(t, l.Drain(t.Context()))
	assert.Zero(t, l.Pending("t"))
}

func TestOneInFlightPerLane(t *testing.T) {
	tests := []struct {
		name  string
		lanes int
		keys  []string
		// concurrent is how many messages are delivered before any ack.
		concurrent int
	}{
		{name: "one lane key", lanes: 4, keys: []string{"a", "a", "a"}, concurrent: 1},
		{name: "no lane key shares one lane", lanes: 4, keys: []string{"", "", ""}, concurrent: 1},
		{name: "keys up to lanes", lanes: 3, keys: []string{"a", "b", "c", "d"}, concurrent: 3},
		{name: "same key never twice", lanes: 4, keys: []string{"a", "a", "b", "b"}, concurrent: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLink(t, link.Config{Lanes: tt.lanes})
			for i, k := range tt.keys {
				require.NoError(t, l.Publish("t", msg(k, i)))
			}
			ch := subscribe(t, l, t.Context(), "t")
			var inFlight []*message.Message
			seen := map[string]bool{}
			for range tt.concurrent {
				m := receive(t, ch)
				key := m.Metadata.Get(link.LaneKey)
				require.False(t, seen[key], "lane %q delivered twice at once", key)
				seen[key] = true
				inFlight = append(inFlight, m)
			}
			nothing(t, ch)
			for _, m := range inFlight {
				m.Ack()
			}
			for range len(tt.keys) - tt.concurrent {
				receive(t, ch).Ack()
			}
			require.NoError(t, l.Drain(t.Context()))
		})
	}
}

func TestNackRedeliversBeforeLaterMessages(t *testing.T) {
	const delay = 20 * time.Millisecond
	l := newLink(t, link.Config{Lanes: 2, RetryDelay: delay, MaxRetryDelay: 2 * delay})
	for i := range 3 {
		require.NoError(t, l.Publish("t", msg("a", i)))
	}
	ch := subscribe(t, l, t.Context(), "t")

	first := receive(t, ch)
	require.Equal(t, "a/0", string(first.Payload))
	for range 3 {
		nacked := time.Now()
		require.True(t, first.Nack())
		again := receive(t, ch)
		assert.GreaterOrEqual(t, time.Since(nacked), delay, "redelivered before the retry delay")
		require.Equal(t, first.UUID, again.UUID)
		require.Equal(t, "a/0", string(again.Payload))
		first = again
	}
	first.Ack()
	for _, want := range []string{"a/1", "a/2"} {
		m := receive(t, ch)
		assert.Equal(t, want, string(m.Payload))
		m.Ack()
	}
}

func TestNackDoesNotHoldOtherLanes(t *testing.T) {
	l := newLink(t, link.Config{Lanes: 2, RetryDelay: time.Hour})
	require.NoError(t, l.Publish("t", msg("a", 0), msg("b", 0), msg("b", 1)))
	ch := subscribe(t, l, t.Context(), "t")
	byKey := map[string]*message.Message{}
	for range 2 {
		m := receive(t, ch)
		byKey[m.Metadata.Get(link.LaneKey)] = m
	}
	byKey["a"].Nack() // a waits an hour
	byKey["b"].Ack()
	m := receive(t, ch)
	assert.Equal(t, "b/1", string(m.Payload))
	m.Ack()
	assert.Eventually(t, func() bool { return l.Pending("t") == 1 }, wait, time.Millisecond,
		"a/0 stays pending")
}

func TestBackpressure(t *testing.T) {
	l := newLink(t, link.Config{Lanes: 1, Capacity: 2})
	require.NoError(t, l.Publish("t", msg("a", 0), msg("b", 0)))

	third := async(func() error { return l.Publish("t", msg("a", 1)) })
	blocked(t, third, "Publish on a full topic")
	assert.Equal(t, 2, l.Pending("t"))

	ch := subscribe(t, l, t.Context(), "t")
	m := receive(t, ch)
	blocked(t, third, "Publish before any ack") // delivered is not acked
	m.Ack()
	require.NoError(t, result(t, third, "Publish after an ack"))
	assert.Equal(t, 2, l.Pending("t"))
}

func TestPublishGivesUpWhenMessageContextIsDone(t *testing.T) {
	l := newLink(t, link.Config{Capacity: 1})
	require.NoError(t, l.Publish("t", msg("a", 0)))

	ctx, cancel := context.WithCancel(t.Context())
	m := msg("a", 1)
	m.SetContext(ctx)
	done := async(func() error { return l.Publish("t", m) })
	blocked(t, done, "Publish on a full topic")
	cancel()
	err := result(t, done, "Publish with a cancelled context")
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, l.Pending("t"))
}

func TestPublishRejectsNilMessage(t *testing.T) {
	l := newLink(t, link.Config{})
	err := l.Publish("t", msg("a", 0), nil)
	require.ErrorIs(t, err, link.ErrNilMessage)
	assert.Equal(t, 1, l.Pending("t"), "messages before the nil one are published")
}

func TestDrainWaitsForAcks(t *testing.T) {
	l := newLink(t, link.Config{})
	require.NoError(t, l.Drain(t.Context()), "nothing published")
	require.NoError(t, l.Publish("t", msg("a", 0), msg("b", 0)))
	require.NoError(t, l.Publish("u", msg("a", 0)))

	drained := async(func() error { return l.Drain(t.Context()) })
	blocked(t, drained, "Drain with nothing delivered")

	ctx, cancel := context.WithTimeout(t.Context(), quiet)
	defer cancel()
	require.ErrorIs(t, l.Drain(ctx), context.DeadlineExceeded)

	cht := subscribe(t, l, t.Context(), "t")
	chu := subscribe(t, l, t.Context(), "u")
	receive(t, cht).Ack()
	receive(t, chu).Ack()
	blocked(t, drained, "Drain with one message unacked")
	m := receive(t, cht)
	blocked(t, drained, "Drain with one message delivered, not acked")
	m.Ack()
	require.NoError(t, result(t, drained, "Drain"))
}

func TestMessageContextRidesAlong(t *testing.T) {
	type key struct{}
	l := newLink(t, link.Config{})
	m := msg("a", 0)
	m.SetContext(context.WithValue(t.Context(), key{}, "span"))
	m.Metadata.Set("other", "kept")
	require.NoError(t, l.Publish("t", m))

	got := receive(t, subscribe(t, l, t.Context(), "t"))
	assert.Equal(t, "span", got.Context().Value(key{}))
	assert.Equal(t, m.UUID, got.UUID)
	assert.Equal(t, "kept", got.Metadata.Get("other"))
	got.Ack()
}
