//go:build chaos

package chaos

import (
	"slices"
	"syscall"
	"time"

	"github.com/sluicehq/sluice/testing/faults"
)

// action is one kind of chaos the scheduler draws.
type action struct {
	kind   kind
	weight int
	// inScale marks actions that may also happen during a scale phase: they
	// leave the group's membership alone.
	inScale bool
	ok      func(h *harness) bool
	do      func(h *harness)
}

// faultOf is the S3 fault each S3 kind injects.
var faultOf = map[kind]faults.Kind{
	kindS3Status:    faults.Status5xx,
	kindS3Delay:     faults.Delay,
	kindS3Reset:     faults.Reset,
	kindS3ResetResp: faults.ResetResponse,
	kindS3Throttle:  faults.Throttle,
}

var actions = []action{
	{kind: kindStart, weight: 2, ok: roomForOne, do: func(h *harness) {
		p := startProc(h.t, h, false)
		h.logf("start sluice #%d", p.id)
	}},
	{kind: kindStartCrashy, weight: 4, ok: roomForOne, do: func(h *harness) {
		p := startProc(h.t, h, true)
		h.logf("start sluice #%d with the crash-before-commit hook at 0.3", p.id)
	}},
	{kind: kindKill, weight: 3, ok: func(h *harness) bool { return len(h.alive(false)) > 0 }, do: func(h *harness) {
		h.kill(h.pick(h.alive(false)), "")
	}},
	{kind: kindTerm, weight: 2, ok: func(h *harness) bool { return len(h.ready()) > 0 }, do: func(h *harness) {
		h.term(h.pick(h.ready()), "graceful stop")
	}},
	{kind: kindZombie, weight: 2, ok: func(h *harness) bool { return len(h.alive(true)) > 0 }, do: func(h *harness) {
		p := h.pick(h.alive(true))
		d := sessionTimeout + time.Duration(2000+h.rng.IntN(4000))*time.Millisecond
		p.signal(h.t, syscall.SIGSTOP)
		p.paused, p.resume = true, time.Now().Add(d)
		h.logf("SIGSTOP sluice #%d for %s (past the session timeout)", p.id, d.Round(time.Millisecond))
	}},
	{kind: kindS3Status, weight: 1, inScale: true, ok: noS3Fault, do: func(h *harness) {
		h.s3Fault(faults.Fault{Kind: faults.Status5xx, Rate: 0.3})
	}},
	{kind: kindS3Delay, weight: 1, inScale: true, ok: noS3Fault, do: func(h *harness) {
		h.s3Fault(faults.Fault{Kind: faults.Delay, Rate: 0.5, Delay: time.Duration(500+h.rng.IntN(2000)) * time.Millisecond})
	}},
	{kind: kindS3Reset, weight: 1, inScale: true, ok: noS3Fault, do: func(h *harness) {
		h.s3Fault(faults.Fault{Kind: faults.Reset, Rate: 0.3})
	}},
	{kind: kindS3ResetResp, weight: 1, inScale: true, ok: noS3Fault, do: func(h *harness) {
		h.s3Fault(faults.Fault{Kind: faults.ResetResponse, Rate: 0.3})
	}},
	{kind: kindS3Throttle, weight: 1, inScale: true, ok: noS3Fault, do: func(h *harness) {
		// A burst: every request answered 503 SlowDown until it is over.
		h.s3Fault(faults.Fault{Kind: faults.Throttle, Rate: 1, Limit: 10 + h.rng.IntN(40),
			RetryAfter: time.Duration(500+h.rng.IntN(2500)) * time.Millisecond})
	}},
	{kind: kindKafkaHole, weight: 2, ok: noPartition, do: func(h *harness) {
		h.partition(faults.CutBlackhole, sessionTimeout+time.Duration(2000+h.rng.IntN(4000))*time.Millisecond)
	}},
	{kind: kindKafkaReset, weight: 1, ok: noPartition, do: func(h *harness) {
		h.partition(faults.CutReset, time.Duration(1000+h.rng.IntN(4000))*time.Millisecond)
	}},
	{kind: kindDiskFull, weight: 2, ok: noDiskFill, do: (*harness).fillDisk},
	{kind: kindBrokerRestart, weight: 1, ok: func(*harness) bool { return true }, do: func(h *harness) {
		h.logf("SIGKILL broker")
		h.brokerDowns = append(h.brokerDowns, time.Now())
		if err := h.broker.Kill(); err != nil {
			h.t.Errorf("killing the broker: %v", err)
		}
		h.broker.Restart(h.t)
		h.logf("broker restarted on %s", h.broker.Addr())
	}},
}

func roomForOne(h *harness) bool { return len(h.alive(false)) < maxProcs }

func noS3Fault(h *harness) bool { return h.faultUntil.IsZero() }

// kill sends p SIGKILL and waits for it to die; why, if not empty, is
// logged with it.
func (h *harness) kill(p *proc, why string) {
	p.signal(h.t, syscall.SIGKILL)
	p.paused = false
	if why != "" {
		why = " (" + why + ")"
	}
	h.logf("SIGKILL sluice #%d%s", p.id, why)
	if !p.waitExit(10 * time.Second) {
		h.t.Errorf("sluice #%d still running 10s after SIGKILL", p.id)
	}
}

// term sends p SIGTERM: it stops gracefully.
func (h *harness) term(p *proc, why string) {
	p.signal(h.t, syscall.SIGTERM)
	p.stopping = true
	h.logf("SIGTERM sluice #%d (%s)", p.id, why)
}

// s3Fault makes the proxy inject f for 2 to 6 seconds.
func (h *harness) s3Fault(f faults.Fault) {
	d := time.Duration(2000+h.rng.IntN(4000)) * time.Millisecond
	if err := h.proxy.Set(f); err != nil {
		h.t.Errorf("setting S3 fault: %v", err)
		return
	}
	h.faultUntil = time.Now().Add(d)
	h.logf("S3 fault %s rate %.1f (delay %s, retry after %s, limit %d) for %s", f.Kind, f.Rate, f.Delay, f.RetryAfter, f.Limit, d.Round(time.Millisecond))
}

// pick returns one of ps, chosen by the seeded source.
func (h *harness) pick(ps []*proc) *proc { return ps[h.rng.IntN(len(ps))] }

// coverAfter is the share of the run after which the scheduler prefers
// kinds that have not happened yet.
const coverAfter = 0.4

// act does one action that can be done now: during a scale phase (inScale)
// only one that leaves the group alone; late in the run one of a kind that
// did not happen yet; else one drawn by weight.
func (h *harness) act(inScale bool) {
	var ok []action
	total := 0
	for _, a := range actions {
		if a.ok(h) && (a.inScale || !inScale) {
			ok = append(ok, a)
			total += a.weight
		}
	}
	if total == 0 {
		return
	}
	a, found := h.uncovered(ok)
	if !found {
		r := h.rng.IntN(total)
		a = ok[slices.IndexFunc(ok, func(a action) bool { r -= a.weight; return r < 0 })]
	}
	h.n.actions++
	h.n.kinds[a.kind]++
	a.do(h)
}

// uncovered returns, once coverAfter of the run is over, an action of ok
// that makes a required kind happen that has not happened yet.
func (h *harness) uncovered(ok []action) (action, bool) {
	if time.Since(h.begin) < time.Duration(coverAfter*float64(h.duration)) {
		return action{}, false
	}
	for _, k := range h.missing() {
		want := k
		if k == kindCrashWindow {
			if slices.ContainsFunc(h.alive(false), func(p *proc) bool { return p.crashy }) {
				continue // one that can still fire is running
			}
			want = kindStartCrashy
		}
		if i := slices.IndexFunc(ok, func(a action) bool { return a.kind == want }); i >= 0 {
			h.logf("no %s yet in this run: choosing %s", k, want)
			return ok[i], true
		}
	}
	return action{}, false
}
