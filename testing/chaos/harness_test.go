//go:build chaos

package chaos

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/sluicehq/sluice/testing/broker"
	"github.com/sluicehq/sluice/testing/faults"
	"github.com/sluicehq/sluice/testing/minio"
)

const (
	topic          = "events"
	partitions     = 6
	group          = "sluice-chaos"
	bucket         = "archive"
	destURL        = "s3://" + bucket + "/raw"
	sessionTimeout = 6 * time.Second
	maxProcs       = 3
)

// counts is what the scheduler did.
type counts struct {
	actions, starts, crashyStarts, kills, terms, pauses, s3Faults, brokerRestarts int
}

// harness owns the processes of one chaos run. Only the test goroutine
// touches it.
type harness struct {
	t      *testing.T
	dir    string
	seed   uint64
	rng    *rand.Rand
	begin  time.Time
	broker *broker.Process
	minio  *minio.Server
	proxy  *faults.Proxy

	procs  []*proc
	nextID int
	// reaped marks processes whose exit was logged.
	reaped map[int]bool
	// faultUntil is when the active S3 fault is cleared (zero: none).
	faultUntil time.Time
	n          counts
}

// logf logs one line stamped with the time since the run began.
func (h *harness) logf(format string, args ...any) {
	h.t.Helper()
	h.t.Logf("[%7.2fs] %s", time.Since(h.begin).Seconds(), fmt.Sprintf(format, args...))
}

// config is the sluice configuration of one process.
func (h *harness) config(bufferDir string) string {
	s3 := h.minio.S3Config()
	return fmt.Sprintf(`kafka:
  brokers: [%s]
  topics: [%s]
  group: %s
  session_timeout: %s
destination:
  url: %s
  s3:
    endpoint: %s
    region: us-east-1
    path_style: true
    access_key_id: %s
    secret_access_key: %s
buffer:
  dir: %s
defaults:
  parser:
    type: json
    json: {time_field: ts, time_format: unix_ms}
  policy: {max_records: 300, idle: 500ms}
shutdown_timeout: 30s
log:
  level: info
`, h.broker.Addr(), topic, group, sessionTimeout, destURL, h.proxy.URL(), s3.AccessKeyID, s3.SecretAccessKey, bufferDir)
}

// ready returns the active processes that are ready for a graceful stop.
func (h *harness) ready() []*proc {
	var out []*proc
	for _, p := range h.alive(true) {
		if p.ready() {
			out = append(out, p)
		}
	}
	return out
}

// alive returns the processes that have not exited; active excludes paused
// ones and those stopping after SIGTERM.
func (h *harness) alive(active bool) []*proc {
	var out []*proc
	for _, p := range h.procs {
		if p.alive() && !(active && (p.paused || p.stopping)) {
			out = append(out, p)
		}
	}
	return out
}

// tick does what is due: resumes paused processes, clears S3 faults, logs
// exits and, with keepOne, starts a healthy process when none is active.
func (h *harness) tick(keepOne bool) {
	now := time.Now()
	for _, p := range h.procs {
		if p.paused && !now.Before(p.resume) {
			p.paused = false
			p.signal(h.t, syscall.SIGCONT)
			h.logf("SIGCONT sluice #%d (zombie resumes)", p.id)
		}
		if !p.alive() && !h.reaped[p.id] {
			h.reaped[p.id] = true
			h.logf("exited: %s", p.describe())
		}
	}
	if !h.faultUntil.IsZero() && !now.Before(h.faultUntil) {
		h.proxy.Clear()
		h.faultUntil = time.Time{}
		h.logf("S3 faults cleared")
	}
	if keepOne && len(h.alive(true)) == 0 {
		p := startProc(h.t, h, false)
		h.n.starts++
		h.logf("start sluice #%d (none was active)", p.id)
	}
}

// action is one kind of chaos.
type action struct {
	name   string
	weight int
	ok     func(h *harness) bool
	do     func(h *harness)
}

var actions = []action{
	{"start", 3, func(h *harness) bool { return len(h.alive(false)) < maxProcs }, func(h *harness) {
		p := startProc(h.t, h, false)
		h.n.starts++
		h.logf("start sluice #%d", p.id)
	}},
	{"start-crashy", 3, func(h *harness) bool { return len(h.alive(false)) < maxProcs }, func(h *harness) {
		p := startProc(h.t, h, true)
		h.n.crashyStarts++
		h.logf("start sluice #%d with the crash-before-commit hook at 0.3", p.id)
	}},
	{"kill", 3, func(h *harness) bool { return len(h.alive(false)) > 0 }, func(h *harness) {
		p := h.pick(h.alive(false))
		p.signal(h.t, syscall.SIGKILL)
		p.paused = false
		h.n.kills++
		h.logf("SIGKILL sluice #%d", p.id)
		if !p.waitExit(10 * time.Second) {
			h.t.Errorf("sluice #%d still running 10s after SIGKILL", p.id)
		}
	}},
	{"term", 2, func(h *harness) bool { return len(h.ready()) > 0 }, func(h *harness) {
		p := h.pick(h.ready())
		p.signal(h.t, syscall.SIGTERM)
		p.stopping = true
		h.n.terms++
		h.logf("SIGTERM sluice #%d (graceful stop)", p.id)
	}},
	{"pause", 2, func(h *harness) bool { return len(h.alive(true)) > 0 }, func(h *harness) {
		p := h.pick(h.alive(true))
		d := sessionTimeout + time.Duration(2000+h.rng.IntN(4000))*time.Millisecond
		p.signal(h.t, syscall.SIGSTOP)
		p.paused, p.resume = true, time.Now().Add(d)
		h.n.pauses++
		h.logf("SIGSTOP sluice #%d for %s (past the session timeout)", p.id, d.Round(time.Millisecond))
	}},
	{"s3-fault", 3, func(h *harness) bool { return h.faultUntil.IsZero() }, func(h *harness) {
		f := []faults.Fault{
			{Kind: faults.Status5xx, Rate: 0.3},
			{Kind: faults.Delay, Rate: 0.5, Delay: time.Duration(500+h.rng.IntN(2000)) * time.Millisecond},
			{Kind: faults.Reset, Rate: 0.3},
			{Kind: faults.ResetResponse, Rate: 0.3},
		}[h.rng.IntN(4)]
		d := time.Duration(2000+h.rng.IntN(4000)) * time.Millisecond
		if err := h.proxy.Set(f); err != nil {
			h.t.Errorf("setting S3 fault: %v", err)
			return
		}
		h.faultUntil = time.Now().Add(d)
		h.n.s3Faults++
		h.logf("S3 fault %s rate %.1f (delay %s) for %s", f.Kind, f.Rate, f.Delay, d.Round(time.Millisecond))
	}},
	{"broker-restart", 1, func(*harness) bool { return true }, func(h *harness) {
		h.logf("SIGKILL broker")
		if err := h.broker.Kill(); err != nil {
			h.t.Errorf("killing the broker: %v", err)
		}
		h.broker.Restart(h.t)
		h.n.brokerRestarts++
		h.logf("broker restarted on %s", h.broker.Addr())
	}},
}

// pick returns one of ps, chosen by the seeded source.
func (h *harness) pick(ps []*proc) *proc { return ps[h.rng.IntN(len(ps))] }

// act picks an action that can be done now, weighted, and does it.
func (h *harness) act() {
	var ok []action
	total := 0
	for _, a := range actions {
		if a.ok(h) {
			ok = append(ok, a)
			total += a.weight
		}
	}
	r := h.rng.IntN(total)
	i := slices.IndexFunc(ok, func(a action) bool { r -= a.weight; return r < 0 })
	h.n.actions++
	ok[i].do(h)
}

// run drives the chaos until d is over: an action every 1.5 to 4 seconds.
func (h *harness) run(d time.Duration) {
	deadline := time.Now().Add(d)
	next := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) && !h.t.Failed() {
		h.tick(true)
		if !time.Now().Before(next) {
			h.act()
			next = time.Now().Add(time.Duration(1500+h.rng.IntN(2500)) * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
