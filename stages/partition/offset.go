package partition

import (
	"fmt"
	"hash/maphash"
	"strconv"
	"sync/atomic"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
)

// TypeOffset is the built-in partitioner of Secor's backup mode: records
// go to directories by Kafka offset, "<topic>/offset=<N>", N the first
// offset of a bucket of Size offsets (a multiple of Size), whatever their
// time. Pair it with "parser: {time: {source: none}}" when no event time
// is wanted at all.
const TypeOffset = "offset"

// OffsetOptions are the options of the offset partitioner:
//
//	partitioner: {type: offset, options: {size: 1000000}}
type OffsetOptions struct {
	// Size is the number of offsets of a directory: offsets 0 to Size-1 go
	// to offset=0, Size to 2·Size-1 to offset=<Size>, and so on, for each
	// Kafka partition. Required.
	Size int64 `yaml:"size"`
}

// Validate reports every problem of the options.
func (o *OffsetOptions) Validate() error {
	var errs conf.Errors
	if o.Size <= 0 {
		errs.Addf("size", "must be positive, got %d (offsets per directory, e.g. 1000000)", o.Size)
	}
	return errs.Err()
}

// offsetPartitioner puts records in offset buckets; each (topic,
// partition) has a cache slot holding the directory of its last bucket.
type offsetPartitioner struct {
	size  int64
	seed  maphash.Seed
	slots [cacheSlots]atomic.Pointer[offsetEntry]
}

// offsetEntry is a cached directory: that of the bucket starting at first.
type offsetEntry struct {
	topic     string
	partition int32
	first     int64
	dir       string
}

// newOffset builds the offset partitioner.
func newOffset(o OffsetOptions, _ Settings) (Partitioner, error) {
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return &offsetPartitioner{size: o.Size, seed: maphash.MakeSeed()}, nil
}

// Dir returns "<topic>/offset=<first offset of rec's bucket>". It
// allocates only when a partition moves to the next bucket.
func (p *offsetPartitioner) Dir(rec *model.Record) string {
	first := rec.Offset - rec.Offset%p.size
	if rec.Offset < 0 { // never from Kafka; floor all the same
		first = floorTo(rec.Offset, p.size)
	}
	slot := &p.slots[slotOf(p.seed, rec.Topic, rec.Partition)]
	if e := slot.Load(); e != nil && e.first == first && e.partition == rec.Partition && e.topic == rec.Topic {
		return e.dir
	}
	b := make([]byte, 0, len(rec.Topic)+28)
	b = append(append(b, rec.Topic...), "/offset="...)
	e := &offsetEntry{topic: rec.Topic, partition: rec.Partition, first: first, dir: string(strconv.AppendInt(b, first, 10))}
	slot.Store(e)
	return e.dir
}
