package buffer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/stages/format"
)

// ErrRecordTooLarge is returned by Append for a record larger than half of
// the buffer's disk bound: it could never be spilled and uploaded.
var ErrRecordTooLarge = errors.New("record cannot fit in the buffer's disk bound")

// Disk bound defaults: a share of the space free when the buffer starts, up
// to a cap.
const (
	defaultDiskShare = 0.8
	defaultDiskCap   = conf.ByteSize(64 << 30)
)

// Backoff of spill writes that failed and of spills waiting for room.
const (
	retryBase = 100 * time.Millisecond
	retryMax  = 5 * time.Second
	roomMax   = time.Second
	// spillGiveUp is the attempts (about a minute of retrying) after which a
	// failing spill write gives up when no sealed round is in flight, that
	// is when nothing this process does will free room.
	spillGiveUp = 17
)

// diskUse tracks the bytes the buffer keeps on disk: spill files of open
// rounds, counted as they are written, and the spill directories of sealed
// rounds, measured until upload or commit removes them.
type diskUse struct {
	open        atomic.Int64
	sealedBytes atomic.Int64
	mu          sync.Mutex
	sealed      map[string]int64 // by spill dir
}

// used is the bytes on disk, as last counted and measured.
func (d *diskUse) used() int64 { return d.open.Load() + d.sealedBytes.Load() }

// inFlight counts sealed rounds whose spill directory is still there.
func (d *diskUse) inFlight() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.sealed)
}

// seal moves n bytes of an open round to the sealed round in dir.
func (d *diskUse) seal(dir string, n int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.sealed == nil {
		d.sealed = map[string]int64{}
	}
	d.open.Add(-n)
	d.sealed[dir] += n
	d.sealedBytes.Add(n)
}

// refresh measures the sealed rounds' directories again and forgets those
// that are gone.
func (d *diskUse) refresh() {
	d.mu.Lock()
	defer d.mu.Unlock()
	var total int64
	for dir := range d.sealed {
		n, err := dirBytes(dir)
		if errors.Is(err, fs.ErrNotExist) {
			delete(d.sealed, dir)
			continue
		}
		if err != nil {
			n = d.sealed[dir] // keep the last measure
		}
		d.sealed[dir] = n
		total += n
	}
	d.sealedBytes.Store(total)
}

// dirBytes sums the sizes of the files in dir (not recursive).
func dirBytes(dir string) (int64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			n += info.Size()
		}
	}
	return n, nil
}

// resolveMaxDisk returns the configured disk bound, or derives it from the
// space free on the buffer directory's filesystem.
func resolveMaxDisk(cfg Config) (int64, bool, error) {
	if cfg.MaxDisk > 0 {
		return int64(cfg.MaxDisk), false, nil
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(cfg.Dir, &st); err != nil {
		return 0, false, fmt.Errorf("measuring the free space of buffer dir %s: %w", cfg.Dir, err)
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	n := min(int64(float64(free)*defaultDiskShare), int64(defaultDiskCap))
	if n < int64(MinMaxDisk) {
		return 0, true, fmt.Errorf("buffer dir %s has only %s free: the buffer needs at least %s of disk (buffer.max_disk)",
			cfg.Dir, conf.ByteSize(free), MinMaxDisk)
	}
	return n, true, nil
}

// wrote counts n bytes written to r's spill files, r being open.
func (s *Stage) wrote(r *round, n int64) {
	r.disk += n
	s.disk.open.Add(n)
}

// diskFull reports whether the round must be sealed so that its files are
// uploaded and removed: it has spilled, and half of the disk bound is used.
func (s *Stage) diskFull(r *round) bool {
	return r.disk > 0 && s.maxDisk > 0 && 2*s.disk.used() >= s.maxDisk
}

// pause waits before the attempt-th retry: retryBase doubling up to limit.
// It returns false, at once, when p was given away or the stage is stopping,
// unless Drain is sealing p: then it gives up only when the shutdown's
// deadline passes. The caller holds p.mu.
func (s *Stage) pause(p *part, attempt int, limit time.Duration) bool {
	t := time.NewTimer(min(retryBase<<min(attempt-1, 10), limit))
	defer t.Stop()
	var stopping <-chan struct{} = s.stopping
	if p.drain != nil {
		stopping = p.drain.Done()
	}
	select {
	case <-t.C:
		return true
	case <-p.gone:
		return false
	case <-stopping:
		return false
	}
}

// room waits, with backoff, until n more bytes fit in the disk bound, as
// long as sealed rounds in flight will free room when they are committed.
// The caller holds p.mu.
func (s *Stage) room(p *part, n int64) {
	for attempt := 1; s.disk.used()+n > s.maxDisk; attempt++ {
		s.disk.refresh()
		if s.disk.used()+n <= s.maxDisk || s.disk.inFlight() == 0 {
			return
		}
		if attempt == 1 {
			s.stats.DiskWaits.Add(1)
			s.set.Logger.Debug("waiting for uploads to free room in the buffer dir",
				"topic", p.topic, "partition", p.partition, "used", s.disk.used(), "max_disk", s.maxDisk)
		}
		if !s.pause(p, attempt, roomMax) {
			return
		}
	}
}

// retrySpill is the RetryFunc of p's spill files: a failed write (a full
// disk) is tried again after a backoff, instead of dropping the round and
// reading the partition again, until p is given away, the stage stops, or
// nothing in flight can free room after about a minute.
func (s *Stage) retrySpill(p *part) format.RetryFunc {
	return func(err error, attempt int) bool {
		s.stats.SpillRetries.Add(1)
		if attempt == 1 || attempt%10 == 0 {
			s.set.Logger.Warn("writing a spill file failed; retrying",
				"topic", p.topic, "partition", p.partition, "attempt", attempt, "err", err)
		}
		if attempt >= spillGiveUp {
			s.disk.refresh()
			if s.disk.inFlight() == 0 {
				return false
			}
		}
		return s.pause(p, attempt, retryMax)
	}
}

// SpillBytes returns, per topic, the bytes of the files under the buffer
// directory: spill files of open rounds and of sealed rounds not yet
// committed (the commit stage removes them). It
// walks the directory, so call it seldom (at metric collection), never per
// record. Files removed during the walk are left out.
func (s *Stage) SpillBytes() (map[string]int64, error) {
	out := map[string]int64{}
	entries, err := os.ReadDir(s.cfg.Dir)
	if err != nil {
		return out, fmt.Errorf("measuring buffer dir: %w", err)
	}
	for _, e := range entries {
		topic, _, _, ok := parseRoundDir(e.Name())
		if !ok || !e.IsDir() {
			continue // the marker, or not sluice's
		}
		n, err := dirBytes(filepath.Join(s.cfg.Dir, e.Name()))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return out, fmt.Errorf("measuring buffer dir: %w", err)
		}
		out[topic] += n
	}
	return out, nil
}

// MaxDisk returns the disk bound in force: Config.MaxDisk, or what Start
// derived from the free space.
func (s *Stage) MaxDisk() int64 { return s.maxDisk }

// DiskUsed returns the bytes the buffer keeps on disk, as last counted.
func (s *Stage) DiskUsed() int64 { return s.disk.used() }
