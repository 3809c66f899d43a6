//go:build chaos

package chaos

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// kind is one kind of chaos the run counts.
type kind string

// The kinds of chaos. Those in requiredKinds must each happen at least once
// for a run to count as covering everything.
const (
	kindStart         kind = "start"
	kindStartCrashy   kind = "start with crash hook"
	kindKill          kind = "SIGKILL"
	kindCrashWindow   kind = "crash-window kill"
	kindTerm          kind = "SIGTERM"
	kindZombie        kind = "SIGSTOP past timeout"
	kindS3Status      kind = "S3 5xx"
	kindS3Delay       kind = "S3 delay"
	kindS3Reset       kind = "S3 reset"
	kindS3ResetResp   kind = "S3 reset response"
	kindS3Throttle    kind = "S3 throttling"
	kindKafkaHole     kind = "Kafka black-hole"
	kindKafkaReset    kind = "Kafka reset"
	kindBrokerRestart kind = "broker restart"
	kindDiskFull      kind = "disk full"
	kindScaleOut      kind = "scale out"
	kindScaleIn       kind = "scale in"
)

// requiredKinds are the kinds a run must cover, in the order they print.
var requiredKinds = []kind{
	kindKill, kindCrashWindow, kindTerm, kindZombie,
	kindS3Status, kindS3Delay, kindS3Reset, kindS3ResetResp, kindS3Throttle,
	kindKafkaHole, kindKafkaReset,
	kindBrokerRestart, kindDiskFull, kindScaleOut, kindScaleIn,
}

// faultEvents counts the faults the run injected: every required kind but
// the scale steps (a scale in is counted as the SIGTERM or SIGKILL it is, a
// scale out starts a process). Starts are not faults.
func (h *harness) faultEvents() int {
	n := 0
	for _, k := range requiredKinds {
		if k != kindScaleOut && k != kindScaleIn {
			n += h.count(k)
		}
	}
	return n
}

// minActions is how many actions a run with -chaos.require-kinds must do.
const minActions = 30

// tally is what the scheduler did. Kinds counts every SIGKILL and SIGTERM,
// those of the scale phases included (scaleInKills and scaleInTerms say how
// many of them); crash-window kills are read from the processes' logs.
type tally struct {
	actions      int
	kinds        map[kind]int
	scaleInKills int
	scaleInTerms int
	// settleTimeouts counts scale steps after which the group did not
	// settle in time.
	settleTimeouts int
}

// crashWindows counts the processes whose crash hook fired between upload
// and commit.
func (h *harness) crashWindows() int {
	n := 0
	for _, p := range h.procs {
		if p.crashy && strings.Contains(p.output(), crashLine) {
			n++
		}
	}
	return n
}

// count returns how often k happened so far.
func (h *harness) count(k kind) int {
	if k == kindCrashWindow {
		return h.crashWindows()
	}
	return h.n.kinds[k]
}

// missing returns the required kinds that did not happen (yet).
func (h *harness) missing() []kind {
	var out []kind
	for _, k := range requiredKinds {
		if h.count(k) == 0 {
			out = append(out, k)
		}
	}
	return out
}

// assignedRE matches sluice's "partitions assigned" log line (text format)
// and captures its time and the group generation.
var assignedRE = regexp.MustCompile(`time=(\S+) .*msg="` + assignedLine + `".* generation=(\d+)`)

// assignment is one "partitions assigned" line of a process.
type assignment struct {
	at  time.Time
	gen int
}

// assignments returns the partition assignments p logged, in order.
func (p *proc) assignments() []assignment {
	var out []assignment
	for _, m := range assignedRE.FindAllStringSubmatch(p.output(), -1) {
		at, err := time.Parse(time.RFC3339Nano, m[1])
		gen, err2 := strconv.Atoi(m[2])
		if err != nil || err2 != nil {
			continue
		}
		out = append(out, assignment{at: at, gen: gen})
	}
	return out
}

// rebalances counts the partition assignments the processes logged and the
// rebalances they saw: distinct group generations, told apart per broker
// incarnation (a restarted broker may count generations anew).
func (h *harness) rebalances() (assignments, generations int) {
	seen := map[[2]int]bool{}
	for _, p := range h.procs {
		for _, a := range p.assignments() {
			assignments++
			epoch := 0
			for _, down := range h.brokerDowns {
				if a.at.After(down) {
					epoch++
				}
			}
			seen[[2]int{epoch, a.gen}] = true
		}
	}
	return assignments, len(seen)
}

// summary returns the lines of the run's summary: per kind how often it
// happened, the ones that did not happen named.
func (h *harness) summary(r *result) []string {
	n := h.n
	stats, kstats := h.proxy.Stats(), h.kafka.Stats()
	waits, retries, enospc := h.diskLines()
	lines := []string{
		fmt.Sprintf("actions:               %d", n.actions),
		fmt.Sprintf("processes started:     %d (%d with the crash hook)", n.kinds[kindStart]+n.kinds[kindStartCrashy], n.kinds[kindStartCrashy]),
	}
	note := map[kind]string{
		kindKill:        fmt.Sprintf("(%d of them scale-in steps)", n.scaleInKills),
		kindCrashWindow: "(the hook fired between upload and commit)",
		kindTerm:        fmt.Sprintf("(graceful stops, %d of them scale-in steps)", n.scaleInTerms),
		kindS3Status:    fmt.Sprintf("fault periods, %d requests hit", stats.Injected[faultOf[kindS3Status]]),
		kindS3Delay:     fmt.Sprintf("fault periods, %d requests hit", stats.Injected[faultOf[kindS3Delay]]),
		kindS3Reset:     fmt.Sprintf("fault periods, %d requests hit", stats.Injected[faultOf[kindS3Reset]]),
		kindS3ResetResp: fmt.Sprintf("fault periods, %d requests hit", stats.Injected[faultOf[kindS3ResetResp]]),
		kindS3Throttle:  fmt.Sprintf("bursts of 503 SlowDown with Retry-After, %d requests hit", stats.Injected[faultOf[kindS3Throttle]]),
		kindKafkaHole:   fmt.Sprintf("partitions of one process past the session timeout, %d connections held", kstats.Blackholed),
		kindKafkaReset:  fmt.Sprintf("(one process's connections reset for a while, %d connections reset)", kstats.Reset),
		kindDiskFull:    fmt.Sprintf("(a process's buffer tmpfs filled to ENOSPC for a while; %d spill retries and %d \"no space left\" lines logged, %d spills waited under max_disk %s)", retries, enospc, waits, smallMaxDisk),
		kindScaleOut:    fmt.Sprintf("(processes added one at a time, the group settled after each; %d settle timeouts in all)", n.settleTimeouts),
		kindScaleIn:     "(processes removed one at a time)",
	}
	for _, k := range requiredKinds {
		c := h.count(k)
		line := fmt.Sprintf("%-22s %d %s", string(k)+":", c, note[k])
		if c == 0 {
			line += "  <- DID NOT HAPPEN in this run"
		}
		lines = append(lines, strings.TrimRight(line, " "))
	}
	lines = append(lines,
		fmt.Sprintf("fault events:          %d (every kind above but the scale steps)", h.faultEvents()),
		fmt.Sprintf("S3 requests:           %d, %d hit by a fault", stats.Requests, r.faults),
		fmt.Sprintf("Kafka connections:     %d through the proxy, %d cut", kstats.Connections, kstats.Blackholed+kstats.Reset),
		fmt.Sprintf("rebalances seen:       %d (distinct group generations the processes were assigned in; %d assignments)", r.rebalances, r.assignments),
		fmt.Sprintf("exits with an error:   %d (exit status > 0, not killed by a signal; after SIGTERM too)", r.errorExits),
		fmt.Sprintf("records produced:      %d", r.produced),
	)
	if m := h.missing(); len(m) > 0 {
		lines = append(lines, fmt.Sprintf("kinds that did not happen: %s", joinKinds(m)))
	} else {
		lines = append(lines, "every kind of chaos happened at least once")
	}
	return lines
}

// joinKinds joins kinds with commas.
func joinKinds(ks []kind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}
