package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// minRecordSize is the smallest record value the generator makes (its
// fixed fields).
const minRecordSize = 100

// baseTime is the event time of the first record: 10 minutes past an hour,
// so a default run stays within one hourly output partition.
var baseTime = time.Date(2026, 11, 22, 1, 10, 0, 0, time.UTC)

// dataset says what to preload.
type dataset struct {
	Topic      string
	Partitions int
	Records    int64
	RecordSize int
	// Hours spreads event times over this many hourly output partitions
	// (late events); each Kafka partition gets a block of them. 0 or 1: one
	// hour.
	Hours int
	Seed  uint64
	// Avro, when set, writes each event as Avro in the Confluent wire
	// format instead of JSON.
	Avro *avroEncoder
}

// loaded is what was preloaded.
type loaded struct {
	dataset
	// Bytes is the payload (keys and values) of all records.
	Bytes int64
	// End is each partition's end offset.
	End map[int32]int64
}

// preload produces the dataset into a new topic and returns its size and
// end offsets.
func preload(ctx context.Context, b *broker, ds dataset) (loaded, error) {
	if err := b.createTopic(ctx, ds.Topic, ds.Partitions); err != nil {
		return loaded{}, err
	}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(b.addr),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(5*time.Millisecond),
		kgo.ProducerBatchMaxBytes(1<<20),
		kgo.MaxBufferedBytes(64<<20),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
	)
	if err != nil {
		return loaded{}, fmt.Errorf("creating the producer: %w", err)
	}
	defer cl.Close()
	var (
		mu      sync.Mutex
		prodErr error
		total   int64
	)
	gen := newGenerator(ds)
	for i := range ds.Records {
		rec := gen.next(i)
		if ds.Avro != nil {
			v, err := ds.Avro.encode(rec.Value)
			if err != nil {
				return loaded{}, err
			}
			rec.Value = v
		}
		total += int64(len(rec.Key) + len(rec.Value))
		cl.Produce(ctx, rec, func(_ *kgo.Record, err error) {
			if err != nil {
				mu.Lock()
				prodErr = err
				mu.Unlock()
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		return loaded{}, fmt.Errorf("flushing the producer: %w", err)
	}
	if prodErr != nil {
		return loaded{}, fmt.Errorf("producing to %q: %w", ds.Topic, prodErr)
	}
	end, err := b.endOffsets(ctx, ds.Topic)
	if err != nil {
		return loaded{}, err
	}
	var n int64
	for _, e := range end {
		n += e
	}
	if n != ds.Records {
		return loaded{}, fmt.Errorf("topic %q holds %d records, want %d", ds.Topic, n, ds.Records)
	}
	return loaded{dataset: ds, Bytes: total, End: end}, nil
}

// generator makes deterministic JSON events of a fixed size.
type generator struct {
	ds  dataset
	rng *rand.Rand
	buf []byte
}

func newGenerator(ds dataset) *generator {
	return &generator{ds: ds, rng: rand.New(rand.NewPCG(ds.Seed, uint64(ds.RecordSize)))}
}

var (
	events    = []string{"page_view", "click", "add_to_cart", "purchase", "search", "login"}
	countries = []string{"DE", "US", "IN", "BR", "FR", "JP", "NG", "GB"}
	names     = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"}
	// words fill the padding: text that compresses about as event JSON does
	// (zstd 3-4x), where random letters would make every compressor look
	// slower and worse than on any real topic.
	words = strings.Fields(`mozilla chrome safari firefox edge mobile desktop tablet android ios
		windows linux macos checkout cart product search home account login logout
		settings orders wishlist promo summer winter sale new returning referral
		email social direct organic paid campaign banner footer header menu button
		link image video review rating share like follow subscribe unsubscribe
		free premium trial monthly yearly basket shipping express standard pickup`)
)

// next returns record i: partition i mod Partitions, event time advancing
// 100µs per record, moved to its hour when Hours > 1.
func (g *generator) next(i int64) *kgo.Record {
	p := int32(i % int64(g.ds.Partitions))
	ts := baseTime.Add(time.Duration(i) * 100 * time.Microsecond)
	if g.ds.Hours > 1 {
		ts = ts.Add(time.Duration(g.hour(p, i/int64(g.ds.Partitions))) * time.Hour)
	}
	r := g.rng
	user := r.IntN(1_000_000)
	b := g.buf[:0]
	b = append(b, `{"id":"`...)
	b = strconv.AppendUint(b, r.Uint64(), 16)
	b = append(b, `","ts":`...)
	b = strconv.AppendInt(b, ts.UnixMilli(), 10)
	b = append(b, `,"event":"`...)
	b = append(b, events[r.IntN(len(events))]...)
	b = append(b, `","user":`...)
	b = strconv.AppendInt(b, int64(user), 10)
	if g.ds.RecordSize >= 200 {
		b = append(b, `,"name":"`...)
		b = append(b, names[user%len(names)]...)
		b = append(b, `","country":"`...)
		b = append(b, countries[r.IntN(len(countries))]...)
		b = append(b, `","price":`...)
		b = strconv.AppendFloat(b, float64(r.IntN(100_000))/100, 'f', 2, 64)
	}
	b = append(b, `,"pad":"`...)
	for len(b) < g.ds.RecordSize-2 {
		if w := words[r.IntN(len(words))]; len(b)+len(w)+1 <= g.ds.RecordSize-2 {
			b = append(append(b, w...), ' ')
		} else {
			b = append(b, byte('a'+r.IntN(26)))
		}
	}
	b = append(b, `"}`...)
	g.buf = b
	return &kgo.Record{
		Topic:     g.ds.Topic,
		Partition: p,
		Key:       strconv.AppendInt([]byte("u"), int64(user), 10),
		Value:     append([]byte(nil), b...),
		Timestamp: ts,
	}
}

// hour is the hour offset of the j-th record of partition p: the Hours are
// split into one block per partition, so the open output partitions number
// Hours in all (when Hours >= Partitions).
func (g *generator) hour(p int32, j int64) int {
	h, parts := g.ds.Hours, g.ds.Partitions
	if h < parts {
		return int(p) % h
	}
	lo, hi := int(p)*h/parts, (int(p)+1)*h/parts
	return lo + int(j%int64(hi-lo))
}
