//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

const (
	// scaleCycle is how much of the run one scale out and scale in take:
	// a run has one cycle per scaleCycle of its duration, at least one.
	scaleCycle = 3 * time.Minute
	// settleTimeout bounds the wait for the group to settle after a scale
	// step; a group that does not is logged and counted, not failed (the
	// end checks are the proof).
	settleTimeout = 60 * time.Second
	// quiesceTimeout bounds the wait for paused processes to resume and
	// stopping ones to exit before a scale phase.
	quiesceTimeout = 60 * time.Second
)

// phase is one scale phase of the plan: at that time into the run, scale
// out to maxProcs processes or in to one.
type phase struct {
	at  time.Duration
	out bool
}

// scalePlan returns the scale phases of a run of duration d: each cycle
// scales out at its start and back in at its middle. The first scale out
// starts from the one process the run starts with.
func scalePlan(d time.Duration) []phase {
	n := max(1, int(d/scaleCycle))
	cycle := d / time.Duration(n)
	var plan []phase
	for i := range n {
		start := time.Duration(i) * cycle
		plan = append(plan, phase{at: start, out: true}, phase{at: start + cycle/2})
	}
	return plan
}

// run drives the chaos for h.duration: it starts one process, does the
// scale plan's phases on time and, between them, an action every 1 to 3
// seconds.
func (h *harness) run() {
	deadline := h.begin.Add(h.duration)
	plan := scalePlan(h.duration)
	mark := h.mark()
	p := startProc(h.t, h, false)
	h.n.kinds[kindStart]++
	h.logf("start sluice #%d (the run starts with one process)", p.id)
	h.schedule()
	h.settle(mark)
	for time.Now().Before(deadline) && !h.t.Failed() {
		h.tick(true)
		if len(plan) > 0 && time.Since(h.begin) >= plan[0].at {
			ph := plan[0]
			plan = plan[1:]
			if ph.out {
				h.scaleOut()
			} else {
				h.scaleIn()
			}
			h.schedule()
			continue
		}
		if !time.Now().Before(h.next) {
			h.act(false)
			h.schedule()
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(plan) > 0 {
		h.logf("the run ended before %d scale phases of the plan", len(plan))
	}
}

// schedule sets when the next action is due: in 1 to 3 seconds (an hour
// has some 1,800 actions, about three in four of them faults).
func (h *harness) schedule() {
	h.next = time.Now().Add(time.Duration(1000+h.rng.IntN(2000)) * time.Millisecond)
}

// waitFor waits up to timeout for cond, doing what is due meanwhile (and
// the actions that leave the group alone); it reports whether cond came.
func (h *harness) waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !h.t.Failed() {
		h.tick(false)
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		if !time.Now().Before(h.next) {
			h.act(true)
			h.schedule()
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// quiesce waits until no process is paused or stopping and no Kafka
// partition is active.
func (h *harness) quiesce() {
	busy := func() []*proc {
		return slices.DeleteFunc(h.alive(false), func(p *proc) bool { return !p.paused && !p.stopping })
	}
	if len(busy()) == 0 && h.partitionUntil.IsZero() {
		return
	}
	h.logf("scale phase: waiting for paused processes to resume, stopping ones to exit and Kafka to heal")
	if !h.waitFor(quiesceTimeout, func() bool { return len(busy()) == 0 && h.partitionUntil.IsZero() }) {
		for _, p := range busy() {
			h.logf("scale phase: %s still paused or stopping after %s", p.describe(), quiesceTimeout)
		}
	}
}

// scaleOut starts healthy processes one at a time until maxProcs run,
// letting the group settle after each.
func (h *harness) scaleOut() {
	h.quiesce()
	for len(h.alive(false)) < maxProcs && !h.t.Failed() {
		from := len(h.alive(false))
		mark := h.mark()
		p := startProc(h.t, h, false)
		h.n.kinds[kindStart]++
		h.n.kinds[kindScaleOut]++
		h.logf("scale out %d → %d: start sluice #%d", from, from+1, p.id)
		h.settle(mark)
	}
}

// scaleIn stops processes one at a time until one runs, letting the group
// settle after each: SIGTERM and SIGKILL by turns, SIGTERM first. With fewer
// than maxProcs running it scales out first, so that it starts from
// maxProcs.
func (h *harness) scaleIn() {
	h.quiesce()
	if n := len(h.alive(false)); n < maxProcs {
		h.logf("scale in: %d of %d processes run, scaling out first", n, maxProcs)
		h.scaleOut()
	}
	graceful := true
	for len(h.alive(false)) > 1 && !h.t.Failed() {
		from := len(h.alive(false))
		why := fmt.Sprintf("scale in %d → %d", from, from-1)
		mark := h.mark()
		if graceful && h.waitFor(30*time.Second, func() bool { return len(h.ready()) > 0 }) {
			p := h.pick(h.ready())
			h.term(p, why)
			h.n.kinds[kindTerm]++
			h.n.scaleInTerms++
			if !h.waitFor(60*time.Second, func() bool { return !p.alive() }) {
				h.logf("sluice #%d still running 60s after SIGTERM", p.id)
			}
		} else {
			h.kill(h.pick(h.alive(false)), why)
			h.n.kinds[kindKill]++
			h.n.scaleInKills++
		}
		h.n.kinds[kindScaleIn]++
		graceful = !graceful
		h.settle(mark)
	}
}

// mark returns how many partition assignments each process logged so far:
// settle waits for the processes to log one more.
func (h *harness) mark() map[int]int {
	m := map[int]int{}
	for _, p := range h.alive(false) {
		m[p.id] = len(p.assignments())
	}
	return m
}

// settle waits until the group settled after a scale step taken after mark:
// the broker describes the group as stable, with one member per active
// process, every partition assigned, and partitions held by every active
// process (members are told apart by client id). With the cooperative
// assignor a process that keeps its partitions logs no new assignment, so
// the processes' logs only name the generation, when they logged one.
func (h *harness) settle(mark map[int]int) {
	start := time.Now()
	var state string
	var last time.Time
	ok := h.waitFor(settleTimeout, func() bool {
		if time.Since(last) < 250*time.Millisecond {
			return false
		}
		last = time.Now()
		var ok bool
		ok, state = h.settled(mark)
		return ok
	})
	if ok {
		h.logf("group settled after %s: %s", time.Since(start).Round(100*time.Millisecond), state)
		return
	}
	h.n.settleTimeouts++
	h.logf("group did not settle within %s (last seen: %s); the broker describes it: %s",
		settleTimeout, state, describeGroup(h.broker.Addr(), h.clientOpts()...))
}

// settled reports whether the group settled after mark; state says what is
// still missing or, once settled, the generation and the assignment.
func (h *harness) settled(mark map[int]int) (ok bool, state string) {
	active := h.alive(true)
	if len(active) == 0 {
		return true, "no process is active"
	}
	gen := -1
	for _, p := range active {
		if as := p.assignments(); len(as) > 0 {
			gen = max(gen, as[len(as)-1].gen)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	groups, err := h.adm.DescribeGroups(ctx, group)
	if err != nil {
		return false, fmt.Sprintf("describing: %v", err)
	}
	g, found := groups[group]
	if !found || g.Err != nil {
		return false, fmt.Sprintf("group not described: %v", g.Err)
	}
	var parts []string
	holding := map[string]bool{}
	for _, m := range g.Members {
		if c, ok := m.Assigned.AsConsumer(); ok {
			for _, t := range c.Topics {
				parts = append(parts, fmt.Sprint(t.Partitions))
				holding[m.ClientID] = holding[m.ClientID] || len(t.Partitions) > 0
			}
		}
	}
	for _, p := range active {
		if !holding[clientID(p.id)] {
			return false, fmt.Sprintf("sluice #%d holds no partition", p.id)
		}
	}
	want := len(active)
	state = fmt.Sprintf("generation %d, %s, %d members (%d processes active), assignment %s",
		gen, g.State, len(g.Members), want, strings.Join(parts, " "))
	return g.State == "Stable" && len(g.Members) == want && len(g.AssignedPartitions()[topic]) == partitions, state
}
