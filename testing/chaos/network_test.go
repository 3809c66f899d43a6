//go:build chaos

package chaos

import (
	"slices"
	"time"

	"github.com/sluicehq/sluice/testing/faults"
)

// noPartition reports whether a Kafka partition can start now: none is
// active and a process is there to cut off.
func noPartition(h *harness) bool { return h.partitionUntil.IsZero() && len(h.alive(true)) > 0 }

// partition cuts one active process off the broker for d: every Kafka
// connection it has or opens (its consumer group's, its offset client's)
// is black-holed or reset by the proxy between sluice and the broker. A
// black-hole longer than the session timeout makes the broker expel the
// process from the group while it still runs and reaches S3: a zombie the
// progress protocol must fence. The process counts as not active meanwhile:
// with no other active one, the harness starts one, which takes over its
// partitions.
func (h *harness) partition(cut faults.Cut, d time.Duration) {
	// Prefer a process that holds partitions: cut off, it has something to
	// upload as a zombie.
	ps := slices.DeleteFunc(h.alive(true), func(p *proc) bool { return len(p.assignments()) == 0 })
	if len(ps) == 0 {
		ps = h.alive(true)
	}
	p := h.pick(ps)
	id := clientID(p.id)
	if err := h.kafka.Partition(cut, func(c string) bool { return c == id }); err != nil {
		h.t.Errorf("partitioning sluice #%d: %v", p.id, err)
		return
	}
	h.partitionUntil, p.cut = time.Now().Add(d), true
	h.logf("Kafka %s of sluice #%d for %s", cut, p.id, d.Round(time.Millisecond))
}

// heal ends the Kafka partition when it is due, or at once with now.
func (h *harness) heal(now bool) {
	if h.partitionUntil.IsZero() || (!now && time.Now().Before(h.partitionUntil)) {
		return
	}
	h.kafka.Heal()
	h.partitionUntil = time.Time{}
	for _, p := range h.procs {
		p.cut = false
	}
	h.logf("Kafka partition healed")
}
