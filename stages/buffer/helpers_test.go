package buffer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/format"
)

// t0 is the event time the tests' records start at.
var t0 = time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)

// recorder is a Publisher that keeps every round it is given, or fails with
// err when set.
type recorder struct {
	mu     sync.Mutex
	rounds []model.Round
	err    error
}

func (r *recorder) publish(_ context.Context, rd *model.Round) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.rounds = append(r.rounds, *rd)
	return nil
}

func (r *recorder) all() []model.Round {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.rounds)
}

func (r *recorder) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
}

// clock is an injectable wall clock.
type clock struct {
	mu   sync.Mutex
	now  time.Time
	wall bool
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.wall {
		return time.Now()
	}
	return c.now
}

// useWall makes the clock follow the wall clock.
func (c *clock) useWall() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wall = true
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// harness is a started buffer stage over a temporary directory with a
// checked allocator, a recording publisher and a manual clock.
type harness struct {
	*Stage
	dir    string
	pub    *recorder
	clock  *clock
	alloc  *memory.CheckedAllocator
	broken chan model.Round // topic and partition of OnBroken calls
}

type harnessOpt func(*Config, *Policy)

func newHarness(t *testing.T, pol Policy, opts ...harnessOpt) *harness {
	t.Helper()
	cfg := Config{Dir: t.TempDir(), Memory: 64 << 20, MaxOpenFiles: 1000}
	for _, o := range opts {
		o(&cfg, &pol)
	}
	h := &harness{
		dir:    cfg.Dir,
		pub:    &recorder{},
		clock:  &clock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)},
		alloc:  memory.NewCheckedAllocator(memory.NewGoAllocator()),
		broken: make(chan model.Round, 16),
	}
	s, err := New(cfg, Settings{
		Alloc:   h.alloc,
		Publish: h.pub.publish,
		Topic:   func(string) TopicSettings { return TopicSettings{Policy: pol, Extension: ".jsonl"} },
		Now:     h.clock.Now,
		OnBroken: func(topic string, partition int32) {
			h.broken <- model.Round{Topic: topic, Partition: partition}
		},
	})
	require.NoError(t, err)
	// Cleanups run last-in first-out: Close first, then check the memory.
	t.Cleanup(func() { h.alloc.AssertSize(t, 0) })
	require.NoError(t, s.Start())
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	h.Stage = s
	return h
}

// loose is a policy no test record reaches by itself.
func loose() Policy {
	return Policy{MaxBytes: 1 << 30, MaxRecords: 1 << 30, MaxEventSpan: 24 * time.Hour, Idle: time.Hour}
}

// rec builds a record of topic "t" whose value is size bytes.
func rec(partition int32, offset int64, size int, event time.Time) *model.Record {
	v := bytes.Repeat([]byte{'a' + byte(offset%26)}, size)
	return &model.Record{
		Topic: "t", Partition: partition, Offset: offset,
		Timestamp: event, EventTime: event, Value: v,
	}
}

// appendAll appends offsets of partition p into output partition dir.
func (h *harness) appendAll(t *testing.T, p int32, dir string, offsets ...int64) {
	t.Helper()
	for _, o := range offsets {
		require.NoError(t, h.appendOne(t.Context(), rec(p, o, 10, t0), dir))
	}
}

// spillRow is what the tests read back from a spill file.
type spillRow struct {
	Topic     string  `json:"topic"`
	Partition int32   `json:"partition"`
	Offset    int64   `json:"offset"`
	Key       *string `json:"key"`
	Value     *string `json:"value_text"`
	Headers   []struct {
		Key   string  `json:"key"`
		Value *string `json:"value"`
	} `json:"headers"`
}

// readFile decodes a round's file, held or spilled, through
// format.EncodeFrom (JSON lines).
func readFile(t *testing.T, f model.RoundFile) []spillRow {
	t.Helper()
	var buf bytes.Buffer
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	src, err := format.FileSource(f)
	require.NoError(t, err)
	_, err = format.EncodeFrom(t.Context(), src, &buf,
		format.Config{Type: format.TypeJSONL, Compression: format.CompressionNone}, alloc)
	require.NoError(t, err)
	var rows []spillRow
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var r spillRow
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		rows = append(rows, r)
	}
	require.NoError(t, sc.Err())
	return rows
}

// offsetsOf lists the offsets in a round's files, file by file.
func offsetsOf(t *testing.T, r model.Round) []int64 {
	t.Helper()
	var out []int64
	for _, f := range r.Files {
		rows := readFile(t, f)
		require.Len(t, rows, int(f.Records), "rows of %s", f.Key)
		for _, row := range rows {
			out = append(out, row.Offset)
		}
	}
	slices.Sort(out)
	return out
}

var errPublish = errors.New("link closed")

func seq(from, to int64) []int64 {
	var out []int64
	for o := from; o <= to; o++ {
		out = append(out, o)
	}
	return out
}

// Append adds one record to output partition dir, as a batch of one.
func (s *Stage) appendOne(ctx context.Context, rec *model.Record, dir string) error {
	rec.Path = dir
	return s.Append(ctx, &model.Batch{Topic: rec.Topic, Partition: rec.Partition, Records: []model.Record{*rec}})
}
