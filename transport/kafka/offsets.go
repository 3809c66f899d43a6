package kafka

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Errors of the Inspector.
var (
	// ErrUnknownPartition means the broker has no such topic or partition.
	ErrUnknownPartition = errors.New("unknown topic or partition")
	// ErrNoProgress means a fetch below the end of the log returned no
	// record batch, so the offsets from there on cannot be examined.
	ErrNoProgress = errors.New("fetch made no progress")
)

// fetchChunk bounds the record bytes one fetch asks for.
const fetchChunk = 1 << 20

// maxLeaderRetries bounds how often one fetch is retried after the
// partition's leader moved.
const maxLeaderRetries = 3

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

// OffsetRange is the closed offset range [Start..End].
type OffsetRange struct {
	Start, End int64
}

// Presence is what PresentOffsets found.
type Presence struct {
	// Present lists, in order and merged, the offsets in [from, Next) that
	// hold a data record a consumer reads at the Inspector's isolation level.
	Present []OffsetRange
	// Next is the first offset not examined. Every offset in [from, Next)
	// that is not in Present holds no data record: a transaction marker, an
	// aborted transaction's record under read_committed, or a record removed
	// by compaction. Next may lie past the range asked for (a fetch returns
	// whole batches) and lies short of it when the end of the log, the byte
	// budget or an error stopped the scan.
	Next int64
	// Bytes counts the record batch bytes fetched.
	Bytes int64
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
	sc, err := SaramaConfig(cfg)
	if err != nil {
		return nil, err
	}
	opts := []kgo.Opt{kgo.SeedBrokers(cfg.Brokers...), kgo.ClientID(cfg.ClientID)}
	if cfg.DialTimeout > 0 {
		// A request retries (reconnecting) for at most the retry timeout,
		// so an unreachable broker fails a call in bounded time.
		opts = append(opts, kgo.DialTimeout(cfg.DialTimeout), kgo.RetryTimeout(2*cfg.DialTimeout))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("creating kafka client: %w", err)
	}
	return &Inspector{
		cl:        cl,
		adm:       kadm.NewClient(cl),
		committed: sc.Consumer.IsolationLevel == sarama.ReadCommitted,
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

// Stamp is where a record lies and when it was written.
type Stamp struct {
	// Offset is the record's offset.
	Offset int64
	// Time is the record's Kafka timestamp (CreateTime or LogAppendTime).
	Time time.Time
}

// recordTimeBudget bounds the record batch bytes RecordTime fetches.
const recordTimeBudget = 8 * fetchChunk

// RecordTime returns the offset and timestamp of the first data record at
// or after offset, read at the Inspector's isolation level; ok is false when
// there is none before the end of the log. It skips at most about 8 MiB of
// record batches (control records, aborted transactions) before failing
// with ErrNoProgress. offset must not be below the log start offset.
func (in *Inspector) RecordTime(ctx context.Context, topic string, partition int32, offset int64) (s Stamp, ok bool, err error) {
	pos := offset
	for spent := int64(0); spent < recordTimeBudget; {
		fp, next, n, err := in.fetch(ctx, topic, partition, pos)
		if err != nil {
			return Stamp{}, false, fmt.Errorf("fetching %s/%d at offset %d: %w", topic, partition, pos, err)
		}
		spent += n
		for _, r := range fp.Records {
			if r.Offset >= offset {
				return Stamp{Offset: r.Offset, Time: r.Timestamp}, true, nil
			}
		}
		end := fp.HighWatermark
		if in.committed {
			end = fp.LastStableOffset
		}
		switch {
		case next >= end || (next <= pos && pos >= end):
			return Stamp{}, false, nil // the end of the log: no record
		case next <= pos:
			return Stamp{}, false, fmt.Errorf("fetching %s/%d at offset %d below the end %d: %w", topic, partition, pos, end, ErrNoProgress)
		}
		pos = next
	}
	return Stamp{}, false, fmt.Errorf("finding a record of %s/%d from offset %d within %d bytes: %w", topic, partition, offset, recordTimeBudget, ErrNoProgress)
}

// PresentOffsets examines the offsets from..to of one partition and returns
// those holding data records (see Presence). It fetches in chunks of about
// 1 MiB from the partition's leader and stops once it is past to, at the end
// of the log (the high watermark, or the last stable offset under
// read_committed), or once maxBytes of record batches were fetched (maxBytes
// <= 0 means no limit). On an error it returns what it examined so far
// together with the error. from must not be below the log start offset
// (the broker answers OFFSET_OUT_OF_RANGE).
func (in *Inspector) PresentOffsets(ctx context.Context, topic string, partition int32, from, to, maxBytes int64) (Presence, error) {
	res := Presence{Next: from}
	for res.Next <= to && (maxBytes <= 0 || res.Bytes < maxBytes) {
		fp, next, n, err := in.fetch(ctx, topic, partition, res.Next)
		if err != nil {
			return res, fmt.Errorf("fetching %s/%d at offset %d: %w", topic, partition, res.Next, err)
		}
		res.Bytes += n
		for _, r := range fp.Records {
			if r.Offset < res.Next {
				continue
			}
			if k := len(res.Present) - 1; k >= 0 && res.Present[k].End+1 == r.Offset {
				res.Present[k].End = r.Offset
			} else {
				res.Present = append(res.Present, OffsetRange{r.Offset, r.Offset})
			}
		}
		end := fp.HighWatermark
		if in.committed {
			end = fp.LastStableOffset
		}
		if next <= res.Next {
			if res.Next >= end {
				return res, nil // the end of the log: nothing more to examine
			}
			return res, fmt.Errorf("fetching %s/%d at offset %d below the end %d: %w", topic, partition, res.Next, end, ErrNoProgress)
		}
		res.Next = next
		if res.Next >= end {
			return res, nil
		}
	}
	return res, nil
}

// fetch fetches one chunk of partition at offset from its leader and
// decodes it. It returns the decoded partition, the offset to fetch next
// and the bytes of record batches received.
func (in *Inspector) fetch(ctx context.Context, topic string, partition int32, offset int64) (kgo.FetchPartition, int64, int64, error) {
	for attempt := 0; ; attempt++ {
		td, err := in.topic(ctx, topic)
		if err != nil {
			return kgo.FetchPartition{}, 0, 0, err
		}
		pd, ok := td.Partitions[partition]
		if !ok {
			return kgo.FetchPartition{}, 0, 0, fmt.Errorf("%w: %s/%d", ErrUnknownPartition, topic, partition)
		}
		rp, err := in.fetchFrom(ctx, pd.Leader, td, partition, offset)
		if err == nil {
			err = kerr.ErrorForCode(rp.ErrorCode)
		}
		if isLeaderError(err) && attempt < maxLeaderRetries {
			in.mu.Lock()
			delete(in.topics, topic) // stale: read the metadata again
			in.mu.Unlock()
			select {
			case <-ctx.Done():
				return kgo.FetchPartition{}, 0, 0, ctx.Err()
			case <-time.After(time.Duration(attempt+1) * 100 * time.Millisecond):
			}
			continue
		}
		if err != nil {
			return kgo.FetchPartition{}, 0, 0, err
		}
		fp, next := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{
			Offset:         offset,
			IsolationLevel: in.isolation(),
			Topic:          topic,
			Partition:      partition,
		}, rp, in.decomp, nil)
		if fp.Err != nil {
			return fp, 0, 0, fmt.Errorf("decoding records: %w", fp.Err)
		}
		return fp, next, int64(len(rp.RecordBatches)), nil
	}
}

// fetchFrom sends one fetch request for partition at offset to leader.
func (in *Inspector) fetchFrom(ctx context.Context, leader int32, td kadm.TopicDetail, partition int32, offset int64) (*kmsg.FetchResponseTopicPartition, error) {
	if leader < 0 {
		return nil, kerr.LeaderNotAvailable
	}
	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis = 100
	req.MinBytes = 1
	req.MaxBytes = fetchChunk
	if in.committed {
		req.IsolationLevel = 1 // else 0, read_uncommitted
	}
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic = td.Topic
	rt.TopicID = td.ID
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.Partition = partition
	rp.FetchOffset = offset
	rp.PartitionMaxBytes = fetchChunk
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	kresp, err := in.cl.Broker(int(leader)).RetriableRequest(ctx, req)
	if err != nil {
		return nil, err
	}
	resp, ok := kresp.(*kmsg.FetchResponse)
	if !ok {
		return nil, fmt.Errorf("unexpected response %T to a fetch", kresp)
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return nil, err
	}
	for i := range resp.Topics {
		for j := range resp.Topics[i].Partitions {
			if p := &resp.Topics[i].Partitions[j]; p.Partition == partition {
				return p, nil
			}
		}
	}
	return nil, fmt.Errorf("%w: partition %d missing from the fetch response", ErrUnknownPartition, partition)
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

// isLeaderError reports whether err means the metadata is stale.
func isLeaderError(err error) bool {
	for _, e := range []error{kerr.NotLeaderForPartition, kerr.LeaderNotAvailable, kerr.FencedLeaderEpoch,
		kerr.UnknownLeaderEpoch, kerr.UnknownTopicID, kerr.UnknownTopicOrPartition, kerr.InconsistentTopicID,
		kerr.BrokerNotAvailable} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
