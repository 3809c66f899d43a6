package lag

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/otel/metric"
	"golang.org/x/sync/errgroup"

	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/transport/kafka"
	"github.com/sluicehq/sluice/transport/objstore"
)

// Errors of New.
var (
	// ErrNoStore means Settings.Store is nil.
	ErrNoStore = errors.New("lag: no store")
	// ErrNoBroker means Settings.Broker is nil.
	ErrNoBroker = errors.New("lag: no broker")
)

// defaultConcurrency is how many partitions are measured at once.
const defaultConcurrency = 8

// Broker tells what Kafka holds. *kafka.Inspector implements it. Methods
// must be safe for concurrent use and honour ctx.
type Broker interface {
	// Watermarks returns the log start offset, high watermark and last
	// stable offset of every partition of topic.
	Watermarks(ctx context.Context, topic string) (map[int32]kafka.Watermarks, error)
	// Committed returns group's committed offset per partition of topic,
	// without the partitions it has none for.
	Committed(ctx context.Context, group, topic string) (map[int32]int64, error)
	RecordTimer
	// ReadCommitted reports whether records are read with isolation
	// read_committed, as sluice's consumer reads them.
	ReadCommitted() bool
}

// Config says what to measure.
type Config struct {
	// Group is the consumer group whose committed offsets are shown.
	Group string
	// MaxLagRecords flags partitions whose lag in records is above it;
	// 0 means no limit.
	MaxLagRecords int64
	// MaxLagTime flags partitions whose lag in time is above it; 0 means no
	// limit.
	MaxLagTime time.Duration
	// Concurrency is how many partitions are measured at once; 0 means 8.
	Concurrency int
}

// Settings carries what the program injects.
type Settings struct {
	// Store is the archive's destination. Required.
	Store objstore.Store
	// Broker is asked about the partitions. Required.
	Broker Broker
	// Logger receives debug logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock lag in time is measured with; nil means time.Now.
	Now func() time.Time
	// Meter, if set, gets the lag gauges (see Monitor).
	Meter metric.Meter
}

// Snapshot is one measurement.
type Snapshot struct {
	// Time is when the measurement started.
	Time  time.Time `json:"time"`
	Group string    `json:"group"`
	// Store is the destination, as its String method names it.
	Store string `json:"store"`
	// Isolation is "read_committed" or "read_uncommitted": which end of the
	// log lag is measured to.
	Isolation string `json:"isolation"`
	// OK is false when any partition is over a limit.
	OK bool `json:"ok"`
	// Partitions are sorted by topic and partition.
	Partitions []Partition `json:"partitions"`
	// Error says why the measurement failed; set by callers that report a
	// failed measurement as a snapshot (Measure returns an error instead).
	Error string `json:"error,omitempty"`
}

// Monitor measures lag. With Settings.Meter it reports the partitions of
// its last successful measurement as the lag and offset gauges of telemetry (the ones the pipeline reports).
// Measure may be called from one goroutine at a time; the gauges are read
// concurrently.
type Monitor struct {
	cfg    Config
	set    Settings
	ledger *commit.Ledger
	reg    metric.Registration

	mu     sync.Mutex
	latest *Snapshot
}

// New returns a Monitor. Close it to unregister its gauges.
func New(cfg Config, set Settings) (*Monitor, error) {
	switch {
	case set.Store == nil:
		return nil, ErrNoStore
	case set.Broker == nil:
		return nil, ErrNoBroker
	}
	if set.Logger == nil {
		set.Logger = slog.New(slog.DiscardHandler)
	}
	if set.Now == nil {
		set.Now = time.Now
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = defaultConcurrency
	}
	m := &Monitor{cfg: cfg, set: set, ledger: commit.NewLedger(set.Store, "sluice-lag")}
	if set.Meter != nil {
		reg, err := m.register(set.Meter)
		if err != nil {
			return nil, err
		}
		m.reg = reg
	}
	return m, nil
}

// Close unregisters the gauges. It is idempotent.
func (m *Monitor) Close() error {
	m.mu.Lock()
	reg := m.reg
	m.reg = nil
	m.mu.Unlock()
	if reg == nil {
		return nil
	}
	if err := reg.Unregister(); err != nil {
		return fmt.Errorf("unregistering the lag gauges: %w", err)
	}
	return nil
}

// Failed returns the snapshot of a measurement that failed with err: no
// partitions, not OK, with the error.
func (m *Monitor) Failed(err error) *Snapshot {
	s := m.snapshot(m.set.Now())
	s.OK, s.Error = false, err.Error()
	return s
}

func (m *Monitor) snapshot(now time.Time) *Snapshot {
	s := &Snapshot{Time: now.UTC(), Group: m.cfg.Group, Store: m.set.Store.String(),
		Isolation: kafka.IsolationReadUncommitted, OK: true}
	if m.set.Broker.ReadCommitted() {
		s.Isolation = kafka.IsolationReadCommitted
	}
	return s
}

// Measure measures every partition of topics. An error means a topic or
// partition could not be measured (the broker or store cannot be reached,
// a topic does not exist); the snapshot is then nil.
func (m *Monitor) Measure(ctx context.Context, topics []string) (*Snapshot, error) {
	now := m.set.Now()
	snap := m.snapshot(now)
	topics = slices.Clone(topics)
	slices.Sort(topics)
	for _, topic := range slices.Compact(topics) {
		ps, err := m.topic(ctx, topic, now)
		if err != nil {
			return nil, err
		}
		snap.Partitions = append(snap.Partitions, ps...)
	}
	for i := range snap.Partitions {
		if snap.Partitions[i].OverLimit {
			snap.OK = false
		}
	}
	m.mu.Lock()
	m.latest = snap
	m.mu.Unlock()
	return snap, nil
}

// topic measures the partitions of topic.
func (m *Monitor) topic(ctx context.Context, topic string, now time.Time) ([]Partition, error) {
	wm, err := m.set.Broker.Watermarks(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("measuring %q: %w", topic, err)
	}
	committed, err := m.set.Broker.Committed(ctx, m.cfg.Group, topic)
	if err != nil {
		return nil, fmt.Errorf("measuring %q: %w", topic, err)
	}
	parts := slices.Sorted(maps.Keys(wm))
	out := make([]Partition, len(parts))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(m.cfg.Concurrency)
	for i, p := range parts {
		out[i] = NewPartition(topic, p, wm[p], m.set.Broker.ReadCommitted())
		if c, ok := committed[p]; ok {
			out[i].Committed = &c
		}
		g.Go(func() error { return m.partition(gctx, &out[i], now) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// partition fills p from the progress record and the oldest unarchived
// record.
func (m *Monitor) partition(ctx context.Context, p *Partition, now time.Time) error {
	prog, ok, err := m.ledger.Load(ctx, p.Topic, p.Partition)
	if err != nil {
		return fmt.Errorf("measuring %s/%d: %w", p.Topic, p.Partition, err)
	}
	if ok {
		p.Durable = &prog.Next
		switch {
		case prog.Pending != nil:
			p.Pending = &Round{Start: prog.Pending.Start, End: prog.Pending.End, Records: prog.Pending.Records, Since: prog.UpdatedAt}
		case prog.Last != nil:
			t := prog.UpdatedAt
			p.LastCommit = &t
		}
	}
	if err := p.Measure(ctx, m.set.Broker, now); err != nil {
		return err
	}
	p.Limit(m.cfg.MaxLagRecords, m.cfg.MaxLagTime)
	m.set.Logger.Debug("measured lag", "topic", p.Topic, "partition", p.Partition,
		"lag_records", p.LagRecords, "lag_seconds", p.LagSeconds)
	return nil
}
