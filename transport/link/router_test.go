package link_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/transport/link"
)

// runRouter runs r until the test ends.
func runRouter(t *testing.T, r *message.Router) {
	t.Helper()
	done := async(func() error { return r.Run(context.Background()) })
	t.Cleanup(func() {
		require.NoError(t, r.Close())
		require.NoError(t, result(t, done, "Router.Run"))
	})
	select {
	case <-r.Running():
	case <-time.After(wait):
		require.FailNow(t, "router did not start")
	}
}

// laneLog records, per lane, the payloads a handler finished and fails the
// test when two messages of one lane are handled at once.
type laneLog struct {
	t        *testing.T
	mu       sync.Mutex
	inFlight map[string]bool
	done     map[string][]string
	maxLanes int
}

func newLaneLog(t *testing.T) *laneLog {
	return &laneLog{t: t, inFlight: map[string]bool{}, done: map[string][]string{}}
}

// handle runs f as the handling of m; f's error means "not done" (nack).
func (g *laneLog) handle(m *message.Message, f func() error) error {
	key := m.Metadata.Get(link.LaneKey)
	g.mu.Lock()
	assert.False(g.t, g.inFlight[key], "two messages of lane %q in flight", key)
	g.inFlight[key] = true
	g.maxLanes = max(g.maxLanes, len(g.inFlight))
	g.mu.Unlock()

	err := f()

	g.mu.Lock()
	delete(g.inFlight, key)
	if err == nil {
		g.done[key] = append(g.done[key], string(m.Payload))
	}
	g.mu.Unlock()
	return err
}

var errFlaky = errors.New("flaky")

// TestRouterChainKeepsLaneOrder runs rounds through two chained handlers,
// upload and commit, both reading from and writing to one Link, with random
// handling times and random failures; every lane must finish in publish
// order at both handlers.
func TestRouterChainKeepsLaneOrder(t *testing.T) {
	const (
		lanes    = 12
		perLane  = 40
		maxSleep = 2 * time.Millisecond
	)
	type traceKey struct{}
	l := link.New(link.Config{Lanes: 4, Capacity: 8, RetryDelay: time.Millisecond}, nil)
	router, err := message.NewRouter(message.RouterConfig{}, watermill.NopLogger{})
	require.NoError(t, err)

	work := func() error {
		time.Sleep(rand.N(maxSleep))
		if rand.N(10) == 0 {
			return errFlaky
		}
		return nil
	}
	uploads, commits := newLaneLog(t), newLaneLog(t)
	var traced sync.Map
	router.AddHandler("upload", "rounds", l, "uploaded", l, func(m *message.Message) ([]*message.Message, error) {
		if err := uploads.handle(m, work); err != nil {
			return nil, err
		}
		out := message.NewMessage(watermill.NewUUID(), m.Payload)
		out.Metadata.Set(link.LaneKey, m.Metadata.Get(link.LaneKey))
		out.SetContext(m.Context())
		return []*message.Message{out}, nil
	})
	router.AddConsumerHandler("commit", "uploaded", l, func(m *message.Message) error {
		if v, ok := m.Context().Value(traceKey{}).(string); ok {
			traced.Store(string(m.Payload), v)
		}
		return commits.handle(m, work)
	})
	runRouter(t, router)

	var publishers sync.WaitGroup
	for k := range lanes {
		publishers.Go(func() {
			key := fmt.Sprintf("events/%d", k)
			for i := range perLane {
				m := msg(key, i)
				m.SetContext(context.WithValue(t.Context(), traceKey{}, string(m.Payload)))
				assert.NoError(t, l.Publish("rounds", m))
			}
		})
	}
	publishers.Wait()
	// Router acks an input after publishing its output: once rounds are
	// drained, every upload is published, and a second Drain covers them.
	require.NoError(t, l.Drain(t.Context()))
	require.NoError(t, l.Drain(t.Context()))
	require.Zero(t, l.Pending("rounds"))
	require.Zero(t, l.Pending("uploaded"))

	for k := range lanes {
		key := fmt.Sprintf("events/%d", k)
		want := make([]string, perLane)
		for i := range want {
			want[i] = fmt.Sprintf("%s/%d", key, i)
			v, ok := traced.Load(want[i])
			assert.True(t, ok && v == want[i], "context of %s lost", want[i])
		}
		assert.Equal(t, want, uploads.done[key], "upload order of %s", key)
		assert.Equal(t, want, commits.done[key], "commit order of %s", key)
	}
	assert.LessOrEqual(t, uploads.maxLanes, 4)
	assert.Greater(t, uploads.maxLanes, 1, "lanes never ran in parallel")
}

// TestRouterRunsLanesInParallel blocks the handler until every lane has
// entered it: with one delivery at a time this would never happen.
func TestRouterRunsLanesInParallel(t *testing.T) {
	const lanes = 5
	l := link.New(link.Config{Lanes: lanes}, nil)
	router, err := message.NewRouter(message.RouterConfig{}, watermill.NopLogger{})
	require.NoError(t, err)

	entered := make(chan string, 2*lanes)
	release := make(chan struct{})
	router.AddConsumerHandler("upload", "rounds", l, func(m *message.Message) error {
		entered <- string(m.Payload)
		<-release
		return nil
	})
	runRouter(t, router)

	// Two messages per lane: the second of each must wait for the first.
	for i := range 2 {
		for k := range lanes {
			require.NoError(t, l.Publish("rounds", msg(fmt.Sprint(k), i)))
		}
	}
	got := map[string]bool{}
	for range lanes {
		select {
		case p := <-entered:
			got[p] = true
		case <-time.After(wait):
			require.FailNowf(t, "lanes not concurrent", "only %d of %d lanes entered the handler", len(got), lanes)
		}
	}
	for k := range lanes {
		assert.True(t, got[fmt.Sprintf("%d/0", k)], "lane %d did not start with its first message", k)
	}
	select {
	case p := <-entered:
		require.FailNowf(t, "lane ran twice at once", "%s entered while its lane was busy", p)
	case <-time.After(quiet):
	}
	close(release)
	require.NoError(t, l.Drain(t.Context()))
	assert.Len(t, entered, lanes, "second messages")
}
