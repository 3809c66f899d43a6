package verify

import (
	"cmp"
	"context"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/transport/kafka"
	"github.com/sluicehq/sluice/transport/objstore"
)

// laneKey names a Kafka partition.
type laneKey struct {
	topic     string
	partition int32
}

// objRange is what a lane remembers of one object.
type objRange struct {
	key      string
	min, max int64
}

// round is what a lane remembers of one round: its name's start, the
// offsets its files hold (min..max, when it has files), its end as its
// record of filtered offsets says (when it has one), and its objects.
type round struct {
	start    int64
	min, max int64
	hasFiles bool
	end      int64
	hasEnd   bool
	keys     []string
}

// top is the largest offset known to be in the round.
func (rd *round) top() int64 {
	switch {
	case rd.hasFiles && rd.hasEnd:
		return max(rd.max, rd.end)
	case rd.hasEnd:
		return rd.end
	}
	return rd.max
}

// lane accumulates one Kafka partition.
type lane struct {
	key      laneKey
	runs     Runs
	objects  []objRange
	rounds   map[int64]*round
	dups     int64
	findings []Finding
	// filtered are the offsets recorded as filtered, filteredObjs the
	// records; covered (stored or filtered) and gaps (between covered
	// offsets) are made by settle.
	filtered     Runs
	filteredObjs []objRange
	// rejected are the offsets recorded as dead-lettered, rejectedObjs
	// the records.
	rejected     Runs
	rejectedObjs []objRange
	covered      Runs
	gaps         []Range
	progress     *commit.Progress
	// wm are the broker's watermarks (nil when it was not asked); readEnd
	// is where a consumer's reads end (the high watermark, or the last
	// stable offset under read_committed); verdicts are its word on each
	// gap, by the gap's first offset.
	wm       *kafka.Watermarks
	readEnd  int64
	verdicts map[int64]*gapVerdict
}

// laneSet holds every lane seen.
type laneSet struct {
	lanes map[laneKey]*lane
}

func newLaneSet() *laneSet { return &laneSet{lanes: map[laneKey]*lane{}} }

func (s *laneSet) lane(k laneKey) *lane {
	ln := s.lanes[k]
	if ln == nil {
		ln = &lane{key: k, rounds: map[int64]*round{}}
		s.lanes[k] = ln
	}
	return ln
}

// add merges one object's summary into its lane.
func (s *laneSet) add(o object, sum summary) {
	ln := s.lane(laneKey{o.name.Topic, o.name.Partition})
	switch {
	case sum.err != nil:
		ln.violation(KindUnreadable, nil, []string{o.key}, "%v", sum.err)
		return
	case sum.mismatch != "":
		ln.violation(KindWrongPartition, nil, []string{o.key}, "%s", sum.mismatch)
		return
	case sum.runs.Empty():
		ln.violation(KindEmptyObject, nil, []string{o.key}, "object %q holds no records", o.key)
		return
	}
	lo, hi := sum.runs.Min(), sum.runs.Max()
	for _, r := range sum.overlap {
		ln.dups += r.Len()
		ln.violation(KindDuplicate, &r, []string{o.key}, "offsets %s stored more than once in %q", r, o.key)
	}
	for _, r := range ln.runs.AddRuns(sum.runs) {
		ln.dups += r.Len()
		keys := []string{o.key}
		for _, other := range ln.objects {
			if other.min <= r.End && other.max >= r.Start {
				keys = append(keys, other.key)
			}
		}
		ln.violation(KindDuplicate, &r, keys, "offsets %s stored twice: in %q and in an earlier object (%s)",
			r, o.key, strings.Join(quote(keys[1:]), ", "))
	}
	ln.objects = append(ln.objects, objRange{o.key, lo, hi})
	if lo < o.name.Start {
		r := Range{lo, min(hi, o.name.Start-1)}
		ln.violation(KindBelowName, &r, []string{o.key}, "object %q holds offset %d, below its name's start %d", o.key, lo, o.name.Start)
	}
	rd := ln.round(o.name.Start)
	if !rd.hasFiles {
		rd.min, rd.max, rd.hasFiles = lo, hi, true
	}
	rd.min, rd.max = min(rd.min, lo), max(rd.max, hi)
	rd.keys = append(rd.keys, o.key)
}

// round returns the round named start, made on first use.
func (ln *lane) round(start int64) *round {
	rd := ln.rounds[start]
	if rd == nil {
		rd = &round{start: start}
		ln.rounds[start] = rd
	}
	return rd
}

func quote(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = strconv.Quote(k)
	}
	return out
}

func (ln *lane) add(sev Severity, kind string, r *Range, keys []string, format string, args ...any) {
	p := ln.key.partition
	ln.findings = append(ln.findings, Finding{Severity: sev, Kind: kind, Message: fmt.Sprintf(format, args...),
		Topic: ln.key.topic, Partition: &p, Range: r, Keys: keys})
}

func (ln *lane) violation(kind string, r *Range, keys []string, format string, args ...any) {
	ln.add(SeverityViolation, kind, r, keys, format, args...)
}

func (ln *lane) warning(kind string, r *Range, keys []string, format string, args ...any) {
	ln.add(SeverityWarning, kind, r, keys, format, args...)
}

// loadProgress reads the progress record of every lane with objects and of
// every partition with a record.
func (s *laneSet) loadProgress(ctx context.Context, st objstore.Store, want func(string) bool) error {
	const dir = "_sluice/progress/"
	err := st.List(ctx, dir, func(o objstore.Object) error {
		rest := strings.TrimPrefix(o.Key, dir)
		topic, file := path.Split(rest)
		topic = strings.TrimSuffix(topic, "/")
		p, err := strconv.ParseInt(strings.TrimSuffix(file, ".json"), 10, 32)
		if err != nil || topic == "" || !strings.HasSuffix(file, ".json") || !want(topic) {
			return nil // not a progress record
		}
		s.lane(laneKey{topic, int32(p)})
		return nil
	})
	if err != nil {
		return fmt.Errorf("listing progress records: %w", err)
	}
	ledger := commit.NewLedger(st, "sluice-verify")
	for k, ln := range s.lanes {
		p, ok, err := ledger.Load(ctx, k.topic, k.partition)
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("reading progress records: %w", ctx.Err())
		case err != nil:
			ln.violation(KindProgressBad, nil, []string{commit.ProgressKey(k.topic, k.partition)}, "%v", err)
		case ok:
			ln.progress = &p
		}
	}
	return nil
}

// check runs the per-partition checks and returns the partitions in order.
func (s *laneSet) check() []Partition {
	out := make([]Partition, 0, len(s.lanes))
	for _, ln := range s.lanes {
		out = append(out, ln.check())
	}
	slices.SortFunc(out, func(a, b Partition) int {
		return cmp.Or(cmp.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
	return out
}
