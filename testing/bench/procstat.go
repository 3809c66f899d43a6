package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat:
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// procSample is what /proc says of a running process at one moment. On
// systems without /proc every field stays zero.
type procSample struct {
	RSSKiB  int64
	Threads int
	// Sockets counts the process's open socket descriptors: its TCP
	// connections (sluice with a file:// destination talks only to Kafka).
	Sockets int
	// CPU is user plus system time so far.
	CPU time.Duration
}

// readProc samples process pid.
func readProc(pid int) (procSample, error) {
	var s procSample
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, fmt.Errorf("reading the status of process %d: %w", pid, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		switch k {
		case "VmRSS":
			s.RSSKiB, _ = strconv.ParseInt(f[0], 10, 64)
		case "Threads":
			s.Threads, _ = strconv.Atoi(f[0])
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, fmt.Errorf("reading the stat of process %d: %w", pid, err)
	}
	// The command name (field 2) may hold spaces; the fields after its
	// closing parenthesis start at field 3, so utime and stime (14, 15) are
	// the 12th and 13th.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 {
		if f := strings.Fields(string(stat[i+1:])); len(f) > 12 {
			ut, _ := strconv.ParseInt(f[11], 10, 64)
			st, _ := strconv.ParseInt(f[12], 10, 64)
			s.CPU = time.Duration(ut+st) * time.Second / clockTicks
		}
	}
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return s, fmt.Errorf("listing the descriptors of process %d: %w", pid, err)
	}
	for _, fd := range fds {
		if link, err := os.Readlink(dir + "/" + fd.Name()); err == nil && strings.HasPrefix(link, "socket:") {
			s.Sockets++
		}
	}
	return s, nil
}

// procWatch samples a process periodically and keeps the peaks.
type procWatch struct {
	pid     int
	stop    chan struct{}
	stopped sync.Once
	wg      sync.WaitGroup

	mu         sync.Mutex
	last, peak procSample
}

// watchProc samples pid every interval until stop is called.
func watchProc(pid int, interval time.Duration) *procWatch {
	w := &procWatch{pid: pid, stop: make(chan struct{})}
	w.sample()
	w.wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-t.C:
				w.sample()
			}
		}
	})
	return w
}

func (w *procWatch) sample() {
	s, err := readProc(w.pid)
	if err != nil {
		return // exited, or no /proc: keep what was seen
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.last = s
	w.peak.RSSKiB = max(w.peak.RSSKiB, s.RSSKiB)
	w.peak.Threads = max(w.peak.Threads, s.Threads)
	w.peak.Sockets = max(w.peak.Sockets, s.Sockets)
	w.peak.CPU = max(w.peak.CPU, s.CPU)
}

// now takes a sample at once and returns it with the peaks so far.
func (w *procWatch) now() (last, peak procSample) {
	w.sample()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last, w.peak
}

// close stops the sampling and returns the peaks; it may be called again.
func (w *procWatch) close() procSample {
	w.stopped.Do(func() { close(w.stop) })
	w.wg.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.peak
}
