//go:build chaos

package chaos

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
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
	match := func(c string) bool { return c == id }
	if h.secure != nil {
		// The proxy knows a TLS connection by the client's address.
		pid := p.cmd.Process.Pid
		match = func(addr string) bool { return ownsConn(pid, addr) }
	}
	if err := h.kafka.Partition(cut, match); err != nil {
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

// ownsConn reports whether process pid holds the TCP connection whose local
// end is addr (host:port, IPv4): the socket's inode, from /proc/net/tcp, is
// one of the process's file descriptors.
func ownsConn(pid int, addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		return false
	}
	table, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return false
	}
	inode := ""
	for _, line := range strings.Split(string(table), "\n")[1:] {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		f := strings.Fields(line)
		if len(f) > 9 && strings.HasSuffix(f[1], fmt.Sprintf(":%04X", n)) {
			inode = f[9]
			break
		}
	}
	if inode == "" || inode == "0" {
		return false
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return false
	}
	for _, fd := range fds {
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && l == "socket:["+inode+"]" {
			return true
		}
	}
	return false
}
