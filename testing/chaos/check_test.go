//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/app/verify"
	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/transport/kafka"
	"github.com/sluicehq/sluice/transport/objstore"
)

// admin returns an admin client for the broker (opts: how, with
// -chaos.secure), closed in t.Cleanup.
func admin(t *testing.T, addr string, opts ...kgo.Opt) *kadm.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// endOffsets returns the broker's end offset per partition of the topic.
func endOffsets(t *testing.T, addr string, opts ...kgo.Opt) map[int32]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	offs, err := admin(t, addr, opts...).ListEndOffsets(ctx, topic)
	require.NoError(t, err)
	require.NoError(t, offs.Error())
	end := map[int32]int64{}
	offs.Each(func(o kadm.ListedOffset) { end[o.Partition] = o.Offset })
	require.Len(t, end, partitions)
	return end
}

// check runs every end-of-run check; it counts duplicates and losses into r
// before failing, so the result line tells them.
func (h *harness) check(st objstore.Store, acked map[int32][]int64, end map[int32]int64, r *result) {
	t := h.t
	// Every acknowledged offset is below the end: the broker lost nothing.
	for part, offs := range acked {
		for _, o := range offs {
			if o >= end[part] {
				t.Errorf("partition %d: acknowledged offset %d at or past the broker's end %d", part, o, end[part])
				break
			}
		}
	}

	// The independent check: count every stored offset. With -chaos.filter,
	// the offsets of dropped events must not be stored (a stored one counts
	// as a duplicate: the filter's decision was not kept) and every other
	// offset exactly once.
	// With -chaos.typed, events that do not fit the schema must be in the
	// dead-letter files exactly once and stored nowhere.
	var drop, reject map[int32]map[int64]bool
	read := archivetest.ReadAll
	if *filterFlag || *typedFlag {
		drop, reject = h.expectDropped(end)
		read = archivetest.ReadFiltered
	}
	rows := read(t, st)
	seen := map[int32]map[int64]int{}
	for _, row := range rows {
		if seen[row.Partition] == nil {
			seen[row.Partition] = map[int64]int{}
		}
		seen[row.Partition][row.Offset]++
	}
	dead := map[int32]map[int64]int{}
	if *typedFlag {
		for _, rjs := range archivetest.ReadRejected(t, st) {
			for _, rj := range rjs {
				if dead[rj.Record.Partition] == nil {
					dead[rj.Record.Partition] = map[int64]int{}
				}
				dead[rj.Record.Partition][rj.Record.Offset]++
			}
		}
	}
	var dropped, deadLettered int64
	for part, e := range end {
		for o := range e {
			n, d := seen[part][o], dead[part][o]
			switch {
			case reject[part][o]:
				deadLettered += min(int64(d), 1)
				r.duplicates += int64(n) + max(int64(d)-1, 0)
				if d == 0 {
					r.losses++
				}
			case drop[part][o]:
				dropped++
				r.duplicates += int64(n + d)
			case n == 0:
				r.losses++
			default:
				r.duplicates += int64(n - 1 + d)
			}
		}
	}
	r.filtered, r.rejected = dropped, deadLettered
	if drop == nil {
		archivetest.RequireExactlyOnce(t, rows, topic, end)
	} else {
		if *filterFlag {
			assert.Positive(t, dropped, "the filter dropped events")
		}
		if *typedFlag {
			assert.Positive(t, deadLettered, "events were dead-lettered")
		}
		assert.Zero(t, r.losses+r.duplicates, "filtered or typed run: losses or duplicates")
	}

	// sluice verify, asking the broker about any gap, finds nothing.
	kcfg := kafka.DefaultConfig()
	kcfg.Brokers, kcfg.Topics = []string{h.broker.Addr()}, []string{topic}
	if h.secure != nil {
		u := h.secure.Users[0]
		kcfg.TLS = kafka.TLSConfig{Enabled: true, CAFile: h.caFile}
		kcfg.SASL = kafka.SASLConfig{Mechanism: u.Mechanism, Username: u.User, Password: u.Pass}
	}
	in, err := kafka.NewInspector(kcfg)
	require.NoError(t, err)
	defer in.Close()
	rep, err := verify.Run(t.Context(), verify.Config{Topics: []string{topic}},
		verify.Settings{Store: st, TempDir: t.TempDir(), Broker: in})
	require.NoError(t, err)
	assert.True(t, rep.BrokerConsulted, "verify asked the broker")
	if !rep.OK {
		var b strings.Builder
		_ = rep.WriteText(&b)
		t.Errorf("sluice verify found violations:\n%s", b.String())
	}

	// Kafka's committed offsets equal the progress records.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	committed, err := admin(t, h.broker.Addr(), h.clientOpts()...).FetchOffsets(ctx, group)
	require.NoError(t, err)
	ledger := commit.NewLedger(st, "chaos-check")
	for part := range int32(partitions) {
		prog, ok, err := ledger.Load(ctx, topic, part)
		require.NoError(t, err)
		require.True(t, ok, "partition %d has no progress record", part)
		assert.Nil(t, prog.Pending, "partition %d: pending round after the final graceful stop", part)
		assert.Equal(t, end[part], prog.Next, "partition %d: progress record vs broker end", part)
		c, ok := committed.Lookup(topic, part)
		if assert.True(t, ok, "partition %d: no committed offset", part) {
			assert.NoError(t, c.Err)
			assert.Equal(t, prog.Next, c.At, "partition %d: kafka committed offset vs progress record", part)
		}
	}
}

// clientOpts are the franz-go options of the harness's own clients: TLS and
// the SCRAM user with -chaos.secure, none otherwise.
func (h *harness) clientOpts() []kgo.Opt {
	if h.secure == nil {
		return nil
	}
	return h.secure.ClientOpts(h.t)
}

// requireRefused fails the test unless a client with opts (who: what it
// lacks) fails to reach the broker: -chaos.secure really is secure.
func requireRefused(t *testing.T, addr, who string, opts ...kgo.Opt) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr), kgo.RequestRetries(0)}, opts...)...)
	require.NoError(t, err)
	defer cl.Close()
	_, err = kadm.NewClient(cl).ListTopics(ctx)
	require.Error(t, err, "%s reached the secure broker", who)
}

// describeGroup returns the consumer group's state and members, for the log
// of a failed run (a group stuck in a rebalance shows here).
func describeGroup(addr string, opts ...kgo.Opt) string {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr)}, opts...)...)
	if err != nil {
		return fmt.Sprintf("connecting: %v", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	groups, err := kadm.NewClient(cl).DescribeGroups(ctx, group)
	if err != nil {
		return fmt.Sprintf("describing: %v", err)
	}
	g, ok := groups[group]
	if !ok {
		return "not found"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "state %s, protocol %q, %d members", g.State, g.Protocol, len(g.Members))
	for _, m := range g.Members {
		fmt.Fprintf(&b, "\n  %s (client %s, host %s)", m.MemberID, m.ClientID, m.ClientHost)
	}
	if g.Err != nil {
		fmt.Fprintf(&b, "\n  error: %v", g.Err)
	}
	return b.String()
}
