package commit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/transport/objstore"
)

var (
	// ErrStale means another process owns the partition or has moved it past
	// the round: this process must stop working on the partition and start
	// again from the bucket's progress record.
	ErrStale = errors.New("partition progress moved on: this process is stale")
	// ErrStored means every record of the round is already committed (by this
	// or another process); the round can be dropped as it is.
	ErrStored = errors.New("round is already stored")
)

// Ledger reads and writes progress records. It keeps the last record it read
// or wrote per partition (and its ETag) so a steady stream of rounds costs two
// conditional writes per round and no reads. Safe for concurrent use.
type Ledger struct {
	store objstore.Store
	owner string
	now   func() time.Time

	mu    sync.Mutex
	lanes map[string]*lane
}

// lane is what the ledger knows of one partition.
type lane struct {
	topic  string
	mu     sync.Mutex
	known  bool // prog and etag hold the bucket's record as last seen
	exists bool
	prog   Progress
	etag   string
	// claimed is the round this process claimed and has not committed yet;
	// idle is closed when there is none.
	claimed *model.Round
	idle    chan struct{}
	// conflicts counts conditional writes the bucket refused.
	conflicts atomic.Int64
}

// NewLedger returns a ledger over store that signs its writes with owner.
func NewLedger(store objstore.Store, owner string) *Ledger {
	return &Ledger{store: store, owner: owner, now: time.Now, lanes: map[string]*lane{}}
}

func (l *Ledger) lane(topic string, partition int32) *lane {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := model.LaneOf(topic, partition)
	ln := l.lanes[key]
	if ln == nil {
		idle := make(chan struct{})
		close(idle)
		ln = &lane{idle: idle, topic: topic}
		l.lanes[key] = ln
	}
	return ln
}

// Conflicts returns, per topic, how many conditional writes of progress
// records the bucket refused because another process had changed them.
func (l *Ledger) Conflicts() map[string]int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]int64{}
	for _, ln := range l.lanes {
		if n := ln.conflicts.Load(); n > 0 {
			out[ln.topic] += n
		}
	}
	return out
}

// Load reads a partition's progress record from the bucket, bypassing what
// the ledger remembers. ok is false when the partition has none yet.
func (l *Ledger) Load(ctx context.Context, topic string, partition int32) (p Progress, ok bool, err error) {
	ln := l.lane(topic, partition)
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if err := l.refresh(ctx, ln, topic, partition); err != nil {
		return Progress{}, false, err
	}
	return ln.prog, ln.exists, nil
}

// refresh reads the record into ln; the caller holds ln.mu.
func (l *Ledger) refresh(ctx context.Context, ln *lane, topic string, partition int32) error {
	data, etag, err := l.store.Get(ctx, ProgressKey(topic, partition))
	switch {
	case errors.Is(err, objstore.ErrNotExist):
		ln.known, ln.exists, ln.prog, ln.etag = true, false, Progress{}, ""
		return nil
	case err != nil:
		return fmt.Errorf("reading progress of %s: %w", model.LaneOf(topic, partition), err)
	}
	p, err := decodeProgress(data, topic, partition)
	if err != nil {
		return err
	}
	ln.known, ln.exists, ln.prog, ln.etag = true, true, p, etag
	return nil
}

// Claim records r as the partition's pending round before its files are
// uploaded. It first waits until the round this process claimed before on the
// partition is committed (rounds of a partition are claimed in order). It
// returns ErrStored when r is wholly committed already and ErrStale when the
// partition's record disagrees with r in any other way.
func (l *Ledger) Claim(ctx context.Context, r *model.Round) error {
	ln := l.lane(r.Topic, r.Partition)
	for {
		ln.mu.Lock()
		if c := ln.claimed; c != nil && c.Start == r.Start && c.End == r.End {
			ln.mu.Unlock()
			return nil // claimed already: a retry of the same round
		}
		if ln.claimed == nil {
			break
		}
		idle := ln.idle
		ln.mu.Unlock()
		select {
		case <-idle:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer ln.mu.Unlock()
	if !ln.known {
		if err := l.refresh(ctx, ln, r.Topic, r.Partition); err != nil {
			return err
		}
	}
	if err := checkClaim(ln, r); err != nil {
		return err
	}
	next := ln.prog
	if !ln.exists {
		next = Progress{Version: progressVersion, Topic: r.Topic, Partition: r.Partition, Next: r.Start}
	}
	next.Pending = Ref(r)
	if err := l.write(ctx, ln, next); err != nil {
		return err
	}
	ln.claimed = r
	ln.idle = make(chan struct{})
	return nil
}

// checkClaim says whether r may be claimed given the record in ln.
func checkClaim(ln *lane, r *model.Round) error {
	if !ln.exists {
		return nil
	}
	p := ln.prog
	if r.End < p.Next {
		return fmt.Errorf("%w: round [%d..%d] of %s, next offset is %d", ErrStored, r.Start, r.End, r.Lane(), p.Next)
	}
	if pend := p.Pending; pend != nil {
		if pend.Start == r.Start && pend.End == r.End {
			return nil // completing the pending round, byte for byte
		}
		return fmt.Errorf("%w: %s has pending round [%d..%d], this process has [%d..%d]",
			ErrStale, r.Lane(), pend.Start, pend.End, r.Start, r.End)
	}
	if r.From != p.Next {
		return fmt.Errorf("%w: round [%d..%d] of %s continues from %d, the next offset to store is %d",
			ErrStale, r.Start, r.End, r.Lane(), r.From, p.Next)
	}
	return nil
}

// Commit records that every file of r, claimed before, is in the bucket:
// the partition's next offset becomes r.End+1 and nothing is pending.
// ErrStale means another process changed the record since the claim.
func (l *Ledger) Commit(ctx context.Context, r *model.Round) error {
	ln := l.lane(r.Topic, r.Partition)
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if ln.claimed == nil || ln.claimed.Start != r.Start || ln.claimed.End != r.End {
		return fmt.Errorf("%w: round [%d..%d] of %s was not claimed by this process", ErrStale, r.Start, r.End, r.Lane())
	}
	next := ln.prog
	next.Next = r.End + 1
	next.Last = Ref(r)
	next.Pending = nil
	err := l.write(ctx, ln, next)
	if err == nil || errors.Is(err, ErrStale) {
		ln.release()
	}
	return err
}

// Abandon forgets this process's claim of r (after ErrStale, or when the
// round is dropped); the pending round stays in the bucket for the
// partition's next owner to complete.
func (l *Ledger) Abandon(r *model.Round) {
	ln := l.lane(r.Topic, r.Partition)
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if ln.claimed != nil && ln.claimed.Start == r.Start {
		ln.release()
	}
	ln.known = false
}

// release clears the claim; the caller holds ln.mu.
func (ln *lane) release() {
	ln.claimed = nil
	close(ln.idle)
}

// write stores p conditionally on the ETag last seen; the caller holds ln.mu.
func (l *Ledger) write(ctx context.Context, ln *lane, p Progress) error {
	p.Owner = l.owner
	p.UpdatedAt = l.now().UTC()
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding progress of %s: %w", model.LaneOf(p.Topic, p.Partition), err)
	}
	key := ProgressKey(p.Topic, p.Partition)
	etag, err := l.store.PutIf(ctx, key, data, ln.etag)
	if errors.Is(err, objstore.ErrPrecondition) {
		ln.conflicts.Add(1)
		ln.known = false
		return fmt.Errorf("%w: %s changed under this process", ErrStale, key)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", key, err)
	}
	ln.known, ln.exists, ln.prog, ln.etag = true, true, p, etag
	return nil
}
