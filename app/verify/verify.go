package verify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/stages/deadletter"
	"github.com/sluicehq/sluice/transport/objstore"
)

// internalPrefix holds sluice's own objects (progress records, records of
// filtered and rejected offsets), not data; deadletter.Prefix holds the
// bucket's dead-letter files.
const internalPrefix = "_sluice/"

// ErrNoStore means Settings.Store is nil.
var ErrNoStore = errors.New("verify: no store")

// Config says what to verify.
type Config struct {
	// Topics limits verification to these topics; empty means every topic
	// found in the store.
	Topics []string
	// Concurrency is how many objects are read at once; 0 means 4.
	Concurrency int
	// BrokerMaxBytes bounds the record bytes fetched from the broker to
	// classify gaps; 0 means DefaultBrokerMaxBytes. Gaps left when it is
	// spent stay unverified.
	BrokerMaxBytes int64
	// OffsetColumn names the Kafka offset column of a topic's typed JSON
	// lines files (format.columns.offset); nil or "" means "_offset".
	// Parquet files name theirs in their metadata, and envelope files use
	// "offset".
	OffsetColumn func(topic string) string
}

// Progress is told how far the read of the objects got. Its methods are
// called from one goroutine at a time.
type Progress interface {
	// Start is called once, with the number and total size of the objects
	// about to be read.
	Start(objects int, bytes int64)
	// Advance is called after each object, with its size.
	Advance(bytes int64)
}

// Settings carries what the program injects.
type Settings struct {
	// Store is the destination to verify. Required.
	Store objstore.Store
	// Logger receives debug logs; nil discards them.
	Logger *slog.Logger
	// TempDir holds spooled copies of Parquet objects from stores whose
	// readers cannot seek; "" means the system's temporary directory.
	TempDir string
	// Progress, if set, is told how the read advances.
	Progress Progress
	// Broker, if set, is asked which missing offsets Kafka itself lacks
	// (see Broker); nil leaves every gap unverified.
	Broker Broker
}

// object is a listed data object, or a round's record of filtered offsets
// (filtered: name then holds its topic, partition and round start).
type object struct {
	key  string
	size int64
	name Name
	kind objectKind
}

// objectKind is what an object holds.
type objectKind int

const (
	dataObject     objectKind = iota // records (a data file)
	filteredObject                   // a round's record of filtered offsets
	rejectedObject                   // a round's record of rejected offsets
)

// offsetRecords are the rounds' records of offsets a verify reads beside
// the data objects: where they live, how their keys read, and the finding
// a key that does not read gives.
var offsetRecords = []struct {
	kind   objectKind
	prefix string
	parse  func(key string) (topic string, partition int32, start int64, ok bool)
	bad    string
}{
	{filteredObject, commit.FilteredPrefix, commit.ParseFilteredKey, KindFilteredBad},
	{rejectedObject, commit.RejectedPrefix, commit.ParseRejectedKey, KindRejectedBad},
}

// read reads o and returns what merges its findings into the lanes and the
// report, which the caller does under its lock.
func (o object) read(ctx context.Context, st objstore.Store, tmpDir, offsetCol string) func(*laneSet, *Report) {
	switch o.kind {
	case rejectedObject:
		rr := readRejected(ctx, st, o)
		return func(ls *laneSet, _ *Report) { ls.addRejected(o, rr) }
	case filteredObject:
		f, err := readFiltered(ctx, st, o)
		return func(ls *laneSet, _ *Report) { ls.addFiltered(o, f, err) }
	}
	sum := readObject(ctx, st, o, tmpDir, offsetCol)
	return func(ls *laneSet, rep *Report) {
		ls.add(o, sum)
		rep.Objects++
		rep.Bytes += o.size
	}
}

// Run verifies the store and returns the report. An error means the
// verification could not be carried out (the store cannot be listed, ctx is
// done); problems found in the archive are findings in the report, never
// errors.
func Run(ctx context.Context, cfg Config, set Settings) (*Report, error) {
	if set.Store == nil {
		return nil, ErrNoStore
	}
	if set.Logger == nil {
		set.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.BrokerMaxBytes <= 0 {
		cfg.BrokerMaxBytes = DefaultBrokerMaxBytes
	}
	want := func(topic string) bool { return len(cfg.Topics) == 0 || slices.Contains(cfg.Topics, topic) }
	rep := &Report{Store: set.Store.String()}
	var objs []object
	var total int64
	err := set.Store.List(ctx, "", func(o objstore.Object) error {
		for _, rec := range offsetRecords {
			if !strings.HasPrefix(o.Key, rec.prefix) {
				continue
			}
			topic, p, start, ok := rec.parse(o.Key)
			switch {
			case !ok:
				rep.Findings = append(rep.Findings, Finding{Severity: SeverityViolation, Kind: rec.bad,
					Message: fmt.Sprintf("%q is not named %s<topic>/<partition>/<20-digit offset>.json", o.Key, rec.prefix),
					Keys:    []string{o.Key}})
			case want(topic):
				objs = append(objs, object{key: o.Key, size: o.Size, name: Name{Topic: topic, Partition: p, Start: start}, kind: rec.kind})
				total += o.Size
			}
			return nil
		}
		if strings.HasPrefix(o.Key, internalPrefix) || strings.HasPrefix(o.Key, deadletter.Prefix) {
			// Dead-letter files are read through the records of rejected
			// offsets that name them.
			return nil
		}
		n, err := ParseName(o.Key)
		if err != nil {
			rep.Findings = append(rep.Findings, Finding{Severity: SeverityViolation, Kind: KindBadName,
				Message: err.Error(), Keys: []string{o.Key}})
			return nil
		}
		if want(n.Topic) {
			objs = append(objs, object{key: o.Key, size: o.Size, name: n})
			total += o.Size
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", set.Store, err)
	}
	set.Logger.Debug("verifying objects", "store", set.Store.String(), "objects", len(objs), "bytes", total)
	if set.Progress != nil {
		set.Progress.Start(len(objs), total)
	}
	lanes := newLaneSet()
	var mu sync.Mutex // guards lanes, rep and set.Progress
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cfg.Concurrency)
	for _, o := range objs {
		g.Go(func() error {
			merge := o.read(gctx, set.Store, set.TempDir, cfg.offsetColumn(o.name.Topic))
			if err := gctx.Err(); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			merge(lanes, rep)
			if set.Progress != nil {
				set.Progress.Advance(o.size)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("reading objects: %w", err)
	}
	if err := lanes.loadProgress(ctx, set.Store, want); err != nil {
		return nil, err
	}
	lanes.settle()
	if set.Broker != nil {
		warn, err := lanes.consult(ctx, set.Broker, cfg.BrokerMaxBytes, set.Logger)
		if err != nil {
			return nil, err
		}
		if warn != nil {
			rep.Findings = append(rep.Findings, *warn)
		} else {
			rep.BrokerConsulted = true
			rep.Isolation = "read_uncommitted"
			if set.Broker.ReadCommitted() {
				rep.Isolation = "read_committed"
			}
		}
	}
	rep.Partitions = lanes.check()
	rep.finish()
	return rep, nil
}

// offsetColumn is the name of topic's offset column in typed JSON lines.
func (c Config) offsetColumn(topic string) string {
	if c.OffsetColumn != nil {
		if name := c.OffsetColumn(topic); name != "" {
			return name
		}
	}
	return "_offset"
}
