package kafka

// Reading records raw, for what sluice must know about offsets that a
// consumer skips: where the first data record at an offset lies and when it
// was written (RecordTime), and which offsets of a range hold data records
// (PresentOffsets).

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// fetchChunk bounds the record bytes one fetch asks for.
const fetchChunk = 1 << 20

// maxLeaderRetries bounds how often one fetch is retried after the
// partition's leader moved.
const maxLeaderRetries = 3

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
