//go:build chaos

package chaos

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/sluicehq/sluice/testing/tmpfs"
)

// diskSize is the size of the tmpfs each process's buffer directory is on:
// a few seconds of the stream (records of about 1 KiB, 300 a second) on top
// of buffer.memory, so that a fill makes spills fail at once.
const diskSize = 16 << 20

// bufferMemory is the chaos config's buffer.memory: the smallest accepted,
// so that a process holding several partitions spills its open rounds
// before they are sealed.
const bufferMemory = "1MiB"

// maxDisks are the buffer.max_disk values a process draws from: the
// default (80% of the free space at start), one small enough that rounds
// are sealed early for the disk (trigger disk) and spills wait for room,
// and one larger than the tmpfs, so a fill runs into ENOSPC with the bound
// far away.
var maxDisks = []string{"", smallMaxDisk, "64MiB"}

// smallMaxDisk is the bound of maxDisks that the buffer keeps by sealing
// rounds early and making spills wait; processes with it log at debug level.
const smallMaxDisk = "2MiB"

// What sluice logs when a spill waits for room under buffer.max_disk (at
// debug level) and when a spill write failed and is retried.
const (
	diskWaitLine   = "waiting for uploads to free room in the buffer dir"
	spillRetryLine = "writing a spill file failed; retrying"
)

// diskLines counts the processes' log lines about the disk: spill waits
// for room, spill retries (logged at the first attempt and every tenth),
// and lines saying "no space left on device".
func (h *harness) diskLines() (waits, retries, enospc int) {
	for _, p := range h.procs {
		out := p.output()
		waits += strings.Count(out, diskWaitLine)
		retries += strings.Count(out, spillRetryLine)
		enospc += strings.Count(out, "no space left on device")
	}
	return waits, retries, enospc
}

// disk is one tmpfs mount a process's buffer directory is on. A disk whose
// process exited is given to the next process started, which reuses the
// buffer directory (and cleans what the dead one left, as after a crash).
type disk struct {
	mount string
	user  *proc
}

// bufferDir is the buffer.dir on d: a sub-directory of the mount, so the
// filler file next to it is never inside it.
func (d *disk) bufferDir() string { return filepath.Join(d.mount, "buffer") }

// filler is the file a fill writes next to the buffer directory.
func (d *disk) filler() string { return filepath.Join(d.mount, "filler") }

// takeDisk returns a disk for a new process: a free one (its process
// exited, no fill on it) or a new tmpfs, unmounted when the test ends.
func (h *harness) takeDisk() *disk {
	for _, d := range h.disks {
		if (d.user == nil || !d.user.alive()) && d != h.filled {
			return d
		}
	}
	d := &disk{mount: tmpfs.Mount(h.t, diskSize)}
	h.disks = append(h.disks, d)
	return d
}

// noDiskFill reports whether a disk can be filled now: none is full and an
// active process is there.
func noDiskFill(h *harness) bool { return h.filled == nil && len(h.alive(true)) > 0 }

// fillDisk fills the tmpfs of one active process (one holding partitions if
// there is one) with a filler file until ENOSPC, for 2 to 12 seconds: its
// spills and the upload stage's encoded copies fail with "no space left on
// device" until the filler is removed.
func (h *harness) fillDisk() {
	ps := slices.DeleteFunc(h.alive(true), func(p *proc) bool { return len(p.assignments()) == 0 })
	if len(ps) == 0 {
		ps = h.alive(true)
	}
	p := h.pick(ps)
	d := time.Duration(2000+h.rng.IntN(10000)) * time.Millisecond
	n, err := fill(p.disk.filler())
	if err != nil {
		h.t.Errorf("filling the buffer disk of sluice #%d: %v", p.id, err)
		return
	}
	h.filled, h.fillUntil = p.disk, time.Now().Add(d)
	h.logf("disk full: sluice #%d's buffer tmpfs filled with %d KiB for %s", p.id, n>>10, d.Round(time.Millisecond))
}

// unfill removes the filler when it is due, or at once with now.
func (h *harness) unfill(now bool) {
	if h.filled == nil || (!now && time.Now().Before(h.fillUntil)) {
		return
	}
	if err := os.Remove(h.filled.filler()); err != nil {
		h.t.Errorf("removing the filler: %v", err)
	}
	h.filled, h.fillUntil = nil, time.Time{}
	h.logf("disk freed")
}

// fill writes path until the filesystem is full; it returns the bytes
// written.
func fill(path string) (int64, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, fmt.Errorf("creating %s: %w", path, err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	var n int64
	for {
		w, err := f.Write(chunk)
		n += int64(w)
		if errors.Is(err, syscall.ENOSPC) {
			return n, nil // a short write filled the last pages
		}
		if err != nil {
			return n, fmt.Errorf("writing %s: %w", path, err)
		}
	}
}

// debugFilter passes on to w the lines of a process logging at debug level
// but those at debug level other than diskWaitLine: the rest (watermill's
// lines about every message) would grow its log by megabytes a minute,
// which the harness reads again and again.
type debugFilter struct {
	w    io.Writer
	part []byte // the last line, not ended yet
}

func (f *debugFilter) Write(b []byte) (int, error) {
	f.part = append(f.part, b...)
	for {
		i := bytes.IndexByte(f.part, '\n')
		if i < 0 {
			return len(b), nil
		}
		line := f.part[:i+1]
		f.part = f.part[i+1:]
		if bytes.Contains(line, []byte(" level=DEBUG ")) && !bytes.Contains(line, []byte(diskWaitLine)) {
			continue
		}
		if _, err := f.w.Write(line); err != nil {
			return 0, err
		}
	}
}

// flush writes what is left of an unfinished last line.
func (f *debugFilter) flush() {
	if len(f.part) > 0 {
		_, _ = f.w.Write(f.part)
		f.part = nil
	}
}
