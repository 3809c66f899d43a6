package deadletter

import (
	"errors"
	"fmt"
	"sync"

	"github.com/sluicehq/sluice/model"
)

// ErrTooManyRejected is wrapped by the error Guard.Check returns when a
// partition crosses its topic's threshold.
var ErrTooManyRejected = errors.New("too many rejected records")

// Guard enforces a topic's threshold of rejected records (Config.MaxCount,
// Config.MaxRatio over Config.Window), per partition, from the batches it
// is shown. Check is safe for concurrent use across partitions; batches of
// one partition must come in offset order. Counts live as long as the
// guard (the process): a partition read again after a restart of its
// assignment counts its records again.
type Guard struct {
	topic string
	cfg   Config

	mu    sync.Mutex
	lanes map[int32]*window
}

// NewGuard returns the guard of topic's settings.
func NewGuard(topic string, cfg Config) *Guard {
	return &Guard{topic: topic, cfg: cfg, lanes: map[int32]*window{}}
}

// window is what the guard knows of one partition: the count since start,
// and a ring of one bit per record of the last Window records.
type window struct {
	mu       sync.Mutex
	total    int64 // rejected since start
	bits     []uint64
	pos      int // next bit to write
	filled   int // bits written, up to the window
	rejected int // set bits in the window
}

func (g *Guard) lane(partition int32) *window {
	g.mu.Lock()
	defer g.mu.Unlock()
	w := g.lanes[partition]
	if w == nil {
		w = &window{}
		if g.cfg.MaxRatio > 0 {
			w.bits = make([]uint64, (g.cfg.Window+63)/64)
		}
		g.lanes[partition] = w
	}
	return w
}

// Check counts the batch's records (kept, filtered and rejected, in offset
// order) and returns an error wrapping ErrTooManyRejected, naming the
// topic, the partition, the counts and a sample reason, when the partition
// crosses the threshold. A guard with both limits off checks nothing.
func (g *Guard) Check(b *model.Batch) error {
	if g == nil || (g.cfg.MaxCount <= 0 && g.cfg.MaxRatio <= 0) {
		return nil
	}
	if len(b.Rejected) == 0 && g.cfg.MaxRatio <= 0 {
		return nil
	}
	w := g.lane(b.Partition)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.total += int64(len(b.Rejected))
	if g.cfg.MaxCount > 0 && w.total > g.cfg.MaxCount {
		return fmt.Errorf("%w: topic %q partition %d: %d records rejected since sluice started, more than dead_letter.max_count %d; sample reason: %s",
			ErrTooManyRejected, g.topic, b.Partition, w.total, g.cfg.MaxCount, sample(b))
	}
	if g.cfg.MaxRatio <= 0 {
		return nil
	}
	if len(b.Rejected) == 0 && w.rejected == 0 {
		// Every bit of the ring is clear: moving on is enough.
		n := b.Len() + int(b.Filtered.Len())
		w.filled = min(w.filled+n, g.cfg.Window)
		w.pos = (w.pos + n) % g.cfg.Window
		return nil
	}
	// Filtered offsets are records too; where they fall in the batch does
	// not matter for a window far larger than a batch, so they go first.
	for range b.Filtered.Len() {
		w.push(false, g.cfg.Window)
	}
	rej := b.Rejected
	for i := range b.Records {
		for ; len(rej) > 0 && rej[0].Record.Offset < b.Records[i].Offset; rej = rej[1:] {
			if w.push(true, g.cfg.Window); g.full(w) {
				return g.ratioError(w, b)
			}
		}
		w.push(false, g.cfg.Window)
	}
	for ; len(rej) > 0; rej = rej[1:] {
		if w.push(true, g.cfg.Window); g.full(w) {
			return g.ratioError(w, b)
		}
	}
	if g.full(w) {
		return g.ratioError(w, b) // the window filled up with this batch
	}
	return nil
}

// full reports whether the window is full and holds at least MaxRatio of
// rejected records.
func (g *Guard) full(w *window) bool {
	return w.filled == g.cfg.Window && float64(w.rejected) >= g.cfg.MaxRatio*float64(g.cfg.Window)
}

func (g *Guard) ratioError(w *window, b *model.Batch) error {
	return fmt.Errorf("%w: topic %q partition %d: %d of the last %d records were rejected, at least dead_letter.max_ratio %g (%d rejected since sluice started); sample reason: %s",
		ErrTooManyRejected, g.topic, b.Partition, w.rejected, g.cfg.Window, g.cfg.MaxRatio, w.total, sample(b))
}

// push writes one record's bit into the ring of n bits.
func (w *window) push(rejected bool, n int) {
	word, bit := w.pos/64, uint(w.pos%64)
	if w.filled == n {
		if w.bits[word]&(1<<bit) != 0 {
			w.rejected--
		}
	} else {
		w.filled++
	}
	if rejected {
		w.bits[word] |= 1 << bit
		w.rejected++
	} else {
		w.bits[word] &^= 1 << bit
	}
	w.pos++
	if w.pos == n {
		w.pos = 0
	}
}

// sample is the reason of the batch's first rejected record.
func sample(b *model.Batch) string {
	if len(b.Rejected) == 0 {
		return "(none in this batch)"
	}
	r := b.Rejected[0]
	return fmt.Sprintf("offset %d: %s", r.Record.Offset, r.Reason)
}
