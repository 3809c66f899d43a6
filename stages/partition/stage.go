package partition

import (
	"fmt"
	"hash/maphash"
	"log/slog"
	"math"
	"slices"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/model"
)

// Settings is what the program hands the stage and the partitioners it
// builds.
type Settings struct {
	// Logger receives one debug line when the stage is built. Nil discards.
	Logger *slog.Logger
	// Topic is the Kafka topic the partitioner serves ("" when unknown).
	Topic string
}

// cacheSlots is the number of cache slots: 1<<cacheBits. (topic, partition)
// pairs that share a slot evict each other, which costs a rebuild, never a
// wrong answer.
const (
	cacheBits  = 10
	cacheSlots = 1 << cacheBits
)

// Stage chooses output partition directories with the partitioner its
// configuration names. It is safe for concurrent use.
type Stage struct {
	// custom is a registered partitioner; nil for the built-in, whose
	// state follows.
	custom Partitioner

	segs   []segment
	finest field
	fields bool // the template has record fields
	loc    *time.Location
	seed   maphash.Seed
	slots  [cacheSlots]atomic.Pointer[entry]
}

// entry is a cached directory: that of topic/partition for every instant in
// [lo, hi), in Unix seconds. Entries are never changed once stored.
type entry struct {
	topic     string
	partition int32
	lo, hi    int64
	dir       string
}

// New builds the stage for a topic's partitioner configuration: the
// built-in "time" partitioner (also for an empty Type) or a registered one
// with its options. For the built-in, empty fields take their defaults:
// hour granularity, its default template, UTC. The zone must be an IANA
// name; "Local" is refused, since directories must not depend on the
// machine. Errors wrap ErrInvalidConfig.
func New(cfg Config, set Settings) (*Stage, error) {
	p, err := build(cfg, set)
	if err != nil {
		return nil, err
	}
	if s, ok := p.(*Stage); ok {
		return s, nil
	}
	return &Stage{custom: p}, nil
}

// newTime builds the built-in partitioner.
func newTime(cfg Config, set Settings) (*Stage, error) {
	gran := cfg.Granularity
	if gran == "" {
		gran = GranularityHour
	}
	tmpl, ok := defaultTemplates[gran]
	if !ok {
		return nil, fmt.Errorf("%w: granularity %q is not one of hour, day, minute", ErrInvalidConfig, cfg.Granularity)
	}
	if cfg.Template != "" {
		tmpl = cfg.Template
	}
	segs, finest, err := compile(tmpl)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	loc, err := loadLocation(cfg.Timezone)
	if err != nil {
		return nil, err
	}
	if set.Logger != nil {
		set.Logger.Debug("partition template compiled", slog.String("template", tmpl), slog.String("timezone", loc.String()))
	}
	fields := slices.ContainsFunc(segs, func(s segment) bool { return s.f == fieldRecord })
	return &Stage{segs: segs, finest: finest, fields: fields, loc: loc, seed: maphash.MakeSeed()}, nil
}

// loadLocation loads an IANA zone, UTC for "".
func loadLocation(name string) (*time.Location, error) {
	if name == "" || name == "UTC" {
		return time.UTC, nil
	}
	if name == "Local" {
		return nil, fmt.Errorf("%w: timezone \"Local\" depends on the machine: name an IANA zone", ErrInvalidConfig)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%w: loading timezone %q: %w", ErrInvalidConfig, name, err)
	}
	return loc, nil
}

// Dir returns the output partition directory of rec (relative to the
// destination prefix, no leading or trailing slash): a registered
// partitioner's, or the built-in's, from rec.EventTime in the configured
// zone. It allocates only when rec's (topic, partition) moves
// to another bucket or shares its cache slot with another busy one. Safe for
// concurrent use.
func (s *Stage) Dir(rec *model.Record) string {
	if s.custom != nil {
		return s.custom.Dir(rec)
	}
	if s.fields {
		return s.fieldDir(rec)
	}
	sec := rec.EventTime.Unix()
	slot := &s.slots[s.slot(rec.Topic, rec.Partition)]
	if e := slot.Load(); e != nil && sec >= e.lo && sec < e.hi && e.partition == rec.Partition && e.topic == rec.Topic {
		return e.dir
	}
	e := s.build(rec.Topic, rec.Partition, rec.EventTime)
	slot.Store(e)
	return e.dir
}

// fieldDir returns the directory of a record under a template with record
// fields. The directory is built for every record (the fields change from
// one to the next); the cache keeps the last one per (topic, partition), so
// that a run of records with the same directory allocates nothing. A value
// that is not a JSON object has no fields: every field takes its default.
func (s *Stage) fieldDir(rec *model.Record) string {
	fields, _ := rec.Fields()
	var buf [256]byte
	b := appendDir(buf[:0], s.segs, rec.Topic, rec.Partition, rec.EventTime.In(s.loc), fields)
	slot := &s.slots[s.slot(rec.Topic, rec.Partition)]
	if e := slot.Load(); e != nil && e.partition == rec.Partition && e.topic == rec.Topic && e.dir == string(b) {
		return e.dir
	}
	e := &entry{topic: rec.Topic, partition: rec.Partition, dir: string(b)}
	slot.Store(e)
	return e.dir
}

// slot returns the cache slot of topic/partition.
func (s *Stage) slot(topic string, partition int32) uint64 { return slotOf(s.seed, topic, partition) }

// slotOf returns the index of topic/partition's slot in a cache of
// 1<<cacheBits slots, hashed with seed.
func slotOf(seed maphash.Seed, topic string, partition int32) uint64 {
	h := maphash.String(seed, topic) ^ uint64(uint32(partition))*0x9e3779b97f4a7c15
	return (h * 0x9e3779b97f4a7c15) >> (64 - cacheBits)
}

// build makes the entry for topic/partition at t.
func (s *Stage) build(topic string, partition int32, t time.Time) *entry {
	t = t.In(s.loc)
	dir := string(appendDir(make([]byte, 0, 64), s.segs, topic, partition, t, nil))
	lo, hi := s.span(t)
	return &entry{topic: topic, partition: partition, lo: lo, hi: hi, dir: dir}
}

// span returns the instants, in Unix seconds [lo, hi), around local time t
// that have the same time fields as t down to the template's finest one. It
// works on the wall clock within t's zone period (the stretch in which the
// zone's offset does not change), so buckets follow local time through
// half-hour offsets and daylight-saving changes.
func (s *Stage) span(t time.Time) (lo, hi int64) {
	sec := t.Unix()
	if s.finest == literal {
		return math.MinInt64, math.MaxInt64
	}
	const limit = 1 << 50 // ±35 million years: far from overflow below
	if sec < -limit || sec > limit {
		return sec, sec + 1
	}
	_, offset := t.Zone()
	wall := sec + int64(offset) // the local wall clock, counted as if in UTC
	var ws, we int64
	switch s.finest {
	case fieldMinute:
		ws = floorTo(wall, 60)
		we = ws + 60
	case fieldHour:
		ws = floorTo(wall, 3600)
		we = ws + 3600
	case fieldDay:
		ws = floorTo(wall, 86400)
		we = ws + 86400
	default: // month or year: calendar arithmetic
		y, m, _ := t.Date()
		if s.finest == fieldYear {
			m = time.January
			ws, we = unixDate(y, m), unixDate(y+1, m)
		} else {
			ws, we = unixDate(y, m), unixDate(y, m+1)
		}
	}
	lo, hi = ws-int64(offset), we-int64(offset)
	start, end := t.ZoneBounds()
	if !start.IsZero() {
		lo = max(lo, start.Unix())
	}
	if !end.IsZero() {
		hi = min(hi, end.Unix())
	}
	return lo, hi
}

// floorTo rounds x down to a multiple of n.
func floorTo(x, n int64) int64 {
	r := x % n
	if r < 0 {
		r += n
	}
	return x - r
}

// unixDate returns the Unix time of midnight UTC on the first of month m of
// year y (m may be 13).
func unixDate(y int, m time.Month) int64 {
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC).Unix()
}
