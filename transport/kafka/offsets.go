package kafka

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Errors of the Inspector.
var (
	// ErrUnknownPartition means the broker has no such topic or partition.
	ErrUnknownPartition = errors.New("unknown topic or partition")
	// ErrNoProgress means a fetch below the end of the log returned no
	// record batch, so the offsets from there on cannot be examined.
	ErrNoProgress = errors.New("fetch made no progress")
)

// Watermarks are the bounds of one partition's log.
type Watermarks struct {
	// Start is the log start offset: offsets below it were deleted
	// (retention, DeleteRecords).
	Start int64
	// End is the high watermark: the offset the next record will get.
	End int64
	// Stable is the last stable offset: the end of what a read_committed
	// consumer can read. It equals End when no transaction is open.
	Stable int64
}

// Inspector answers questions about what the brokers hold: the watermarks of
// a topic's partitions and which offsets of a range hold data records. It
// fetches with the isolation level sluice's consumer uses (SaramaConfig), so
// "present" means "a record sluice must have stored".
//
// It uses franz-go rather than sarama because a raw fetch decoded with
// kgo.ProcessFetchPartition tells where each fetch ended, control batches
// and compacted offsets included; a high-level consumer hides the offsets it
// skips. Methods are safe for concurrent use and honour ctx.
type Inspector struct {
	cl        *kgo.Client
	adm       *kadm.Client
	committed bool
	decomp    kgo.Decompressor

	mu     sync.Mutex
	topics map[string]kadm.TopicDetail // metadata cache, dropped on leader errors
}

// NewInspector returns an Inspector for the brokers of cfg. It does not
// connect: an unreachable broker shows as an error of the first call. Close
// it when done.
func NewInspector(cfg Config) (*Inspector, error) {
	opts := []kgo.Opt{kgo.SeedBrokers(cfg.Brokers...), kgo.ClientID(cfg.ClientID)}
	if cfg.DialTimeout > 0 {
		// A request retries (reconnecting) for at most the retry timeout,
		// so an unreachable broker fails a call in bounded time.
		opts = append(opts, kgo.DialTimeout(cfg.DialTimeout), kgo.RetryTimeout(2*cfg.DialTimeout))
	}
	sec, err := kgoSecurity(cfg)
	if err != nil {
		return nil, err
	}
	opts = append(opts, sec...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("creating kafka client: %w", err)
	}
	return &Inspector{
		cl:        cl,
		adm:       kadm.NewClient(cl),
		committed: cfg.Isolation != IsolationReadUncommitted,
		decomp:    kgo.DefaultDecompressor(),
		topics:    map[string]kadm.TopicDetail{},
	}, nil
}

// Close closes the connections to the brokers.
func (in *Inspector) Close() { in.cl.Close() }

// ReadCommitted reports whether the Inspector (like sluice's consumer)
// reads with isolation read_committed; false means read_uncommitted.
func (in *Inspector) ReadCommitted() bool { return in.committed }

// Watermarks returns the log start offset, high watermark and last stable
// offset of every partition of topic. It fails with ErrUnknownPartition
// when the topic does not exist, and when any partition cannot be listed.
func (in *Inspector) Watermarks(ctx context.Context, topic string) (map[int32]Watermarks, error) {
	lists := []struct {
		name string
		list func(context.Context, ...string) (kadm.ListedOffsets, error)
		set  func(*Watermarks, int64)
	}{
		{"start", in.adm.ListStartOffsets, func(w *Watermarks, o int64) { w.Start = o }},
		{"end", in.adm.ListEndOffsets, func(w *Watermarks, o int64) { w.End = o }},
		{"stable", in.adm.ListCommittedOffsets, func(w *Watermarks, o int64) { w.Stable = o }},
	}
	out := map[int32]Watermarks{}
	for _, l := range lists {
		res, err := l.list(ctx, topic)
		if err != nil {
			return nil, fmt.Errorf("listing %s offsets of %q: %w", l.name, topic, err)
		}
		ps, ok := res[topic]
		if !ok {
			return nil, fmt.Errorf("listing %s offsets of %q: %w", l.name, topic, ErrUnknownPartition)
		}
		for p, o := range ps {
			if o.Err != nil {
				if errors.Is(o.Err, kerr.UnknownTopicOrPartition) {
					o.Err = fmt.Errorf("%w: %w", ErrUnknownPartition, o.Err)
				}
				return nil, fmt.Errorf("listing %s offset of %s/%d: %w", l.name, topic, p, o.Err)
			}
			w := out[p]
			l.set(&w, o.Offset)
			out[p] = w
		}
	}
	return out, nil
}

// Committed returns the offsets group committed for the partitions of
// topic: the offset of the next record the group reads, what kcat and Burrow
// report. Partitions without a commit are absent; a group that never
// committed gives an empty map.
func (in *Inspector) Committed(ctx context.Context, group, topic string) (map[int32]int64, error) {
	res, err := in.adm.FetchOffsets(ctx, group)
	if errors.Is(err, kerr.GroupIDNotFound) {
		return map[int32]int64{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("fetching offsets committed by group %q: %w", group, err)
	}
	out := map[int32]int64{}
	for p, o := range res[topic] {
		if o.Err != nil {
			return nil, fmt.Errorf("fetching offset of %s/%d committed by group %q: %w", topic, p, group, o.Err)
		}
		if o.At >= 0 {
			out[p] = o.At
		}
	}
	return out, nil
}

func (in *Inspector) isolation() kgo.IsolationLevel {
	if in.committed {
		return kgo.ReadCommitted()
	}
	return kgo.ReadUncommitted()
}

// topic returns topic's metadata, cached.
func (in *Inspector) topic(ctx context.Context, topic string) (kadm.TopicDetail, error) {
	in.mu.Lock()
	td, ok := in.topics[topic]
	in.mu.Unlock()
	if ok {
		return td, nil
	}
	md, err := in.adm.Metadata(ctx, topic)
	if err != nil {
		return td, fmt.Errorf("reading metadata of %q: %w", topic, err)
	}
	td, ok = md.Topics[topic]
	switch {
	case !ok || errors.Is(td.Err, kerr.UnknownTopicOrPartition):
		return td, fmt.Errorf("%w: %q", ErrUnknownPartition, topic)
	case td.Err != nil:
		return td, fmt.Errorf("reading metadata of %q: %w", topic, td.Err)
	}
	in.mu.Lock()
	in.topics[topic] = td
	in.mu.Unlock()
	return td, nil
}
