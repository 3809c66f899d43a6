package buffer

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
)

func TestRoundFiles(t *testing.T) {
	h := newHarness(t, loose())
	h.Assign("t", 3, 1000, nil)
	dirs := []string{"dt=2026-11-22/hr=02", "dt=2026-11-22/hr=01", "", "dt=2026-11-22/hr=02", "dt=2026-11-22/hr=01"}
	var want []*model.Record
	for i, d := range dirs {
		r := rec(3, 1000+int64(i), 5, t0)
		r.Key = fmt.Appendf(nil, "k%d", i)
		r.Headers = []model.Header{{Key: "h", Value: []byte("v")}, {Key: "h", Value: nil}}
		want = append(want, r)
		require.NoError(t, h.appendOne(t.Context(), r, d))
	}
	assert.Equal(t, int64(3), h.OpenFiles(), "one file per output partition")
	require.NoError(t, h.Drain(t.Context()))

	got := h.pub.all()
	require.Len(t, got, 1)
	r := got[0]
	assert.Equal(t, "t/3", r.Lane())
	assert.Equal(t, int64(len(dirs)), r.Records)
	assert.Equal(t, int64(len(dirs)*(2+5+3)), r.Bytes) // key, value, headers "h"="v" and "h"=nil
	var keys []string
	var records int64
	for _, f := range r.Files {
		keys = append(keys, f.Key)
		records += f.Records
		assert.NotNil(t, f.Held, "a round that fits in memory is held, not spilled")
		assert.Empty(t, f.Spill)
	}
	assert.NoDirExists(t, h.roundDir(3, 1000), "nothing was written to disk")
	assert.Equal(t, []string{
		"dt=2026-11-22/hr=01/t+3+00000000000000001000.jsonl",
		"dt=2026-11-22/hr=02/t+3+00000000000000001000.jsonl",
		"t+3+00000000000000001000.jsonl",
	}, keys, "sorted by key")
	assert.Equal(t, r.Records, records)
	assert.Empty(t, r.SpillDir())

	// Each file holds exactly its output partition's records, in order.
	byKey := map[string][]int64{
		keys[0]: {1001, 1004}, keys[1]: {1000, 1003}, keys[2]: {1002},
	}
	for _, f := range r.Files {
		rows := readFile(t, f)
		var offs []int64
		for _, row := range rows {
			offs = append(offs, row.Offset)
			src := want[row.Offset-1000]
			assert.Equal(t, "t", row.Topic)
			assert.Equal(t, int32(3), row.Partition)
			require.NotNil(t, row.Key)
			assert.Equal(t, string(src.Key), *row.Key)
			require.NotNil(t, row.Value)
			assert.Equal(t, string(src.Value), *row.Value)
			require.Len(t, row.Headers, 2)
			assert.Equal(t, "v", *row.Headers[0].Value)
			assert.Nil(t, row.Headers[1].Value)
		}
		assert.Equal(t, byKey[f.Key], offs, f.Key)
	}
}

func TestMemoryAccounting(t *testing.T) {
	// 1 MiB for all files: with two open files each spills at 512 KiB.
	h := newHarness(t, loose(), func(c *Config, _ *Policy) { c.Memory = MinMemory })
	const size = 100 << 10
	for i := range int64(20) {
		require.NoError(t, h.appendOne(t.Context(), rec(0, i, size, t0), []string{"a", "b"}[i%2]))
		assert.LessOrEqual(t, h.Buffered(), int64(MinMemory), "after offset %d", i)
	}
	assert.Positive(t, h.Buffered())
	assert.Equal(t, int64(2), h.OpenFiles())
	assert.Positive(t, h.alloc.CurrentAlloc(), "builders hold Arrow memory")

	require.NoError(t, h.Drain(t.Context()))
	assert.Zero(t, h.Buffered())
	assert.Zero(t, h.OpenFiles())
	h.alloc.AssertSize(t, 0)
	got := h.pub.all()
	require.Len(t, got, 1)
	assert.Equal(t, seq(0, 19), offsetsOf(t, got[0]), "spilled and buffered rows both reach the file")
}

func TestCloseReleasesEverything(t *testing.T) {
	h := newHarness(t, loose())
	h.appendAll(t, 0, "a", 0, 1)
	h.appendAll(t, 1, "b", 0)
	require.NoError(t, h.Close())
	require.NoError(t, h.Close(), "idempotent")
	assert.Zero(t, h.Buffered())
	assert.Zero(t, h.OpenFiles())
	h.alloc.AssertSize(t, 0)
	assert.NoDirExists(t, h.roundDir(0, 0))
	assert.NoDirExists(t, h.roundDir(1, 0))
	assert.ErrorIs(t, h.appendOne(t.Context(), rec(0, 2, 1, t0), "a"), ErrDraining)
}

func TestNewRequiresSettings(t *testing.T) {
	_, err := New(Config{Dir: t.TempDir()}, Settings{})
	require.Error(t, err)
	_, err = New(Config{}, Settings{
		Publish: func(context.Context, *model.Round) error { return nil },
		Topic:   func(string) TopicSettings { return TopicSettings{} },
	})
	require.Error(t, err)
}

// TestConcurrentPartitions appends to many partitions in parallel while
// sweeps seal idle rounds and the open-file limit: every offset ends up in
// exactly one round and each partition's rounds chain without a gap.
func TestConcurrentPartitions(t *testing.T) {
	const parts, perPart = 8, 400
	pol := loose()
	pol.MaxRecords = 37
	pol.Idle = time.Millisecond
	h := newHarness(t, pol, func(c *Config, _ *Policy) { c.MaxOpenFiles = 10; c.Memory = MinMemory })
	h.clock.useWall()

	ctx, cancel := context.WithCancel(t.Context())
	var sweeps sync.WaitGroup
	sweeps.Go(func() {
		for ctx.Err() == nil {
			h.sweep(ctx)
			time.Sleep(100 * time.Microsecond)
		}
	})
	var wg sync.WaitGroup
	for p := range int32(parts) {
		wg.Go(func() {
			for o := range int64(perPart) {
				dir := fmt.Sprintf("hr=%02d", o%5)
				if err := h.appendOne(t.Context(), rec(p, o, 64, t0), dir); err != nil {
					t.Errorf("partition %d offset %d: %v", p, o, err)
					return
				}
			}
		})
	}
	wg.Wait()
	cancel()
	sweeps.Wait()
	require.NoError(t, h.Drain(t.Context()))
	assert.Zero(t, h.OpenFiles())
	assert.Zero(t, h.Buffered())

	next := map[int32]int64{}
	seen := map[int32][]int64{}
	rounds := h.pub.all()
	// Rounds of one partition are published in order.
	for _, r := range rounds {
		assert.Equal(t, next[r.Partition], r.From, "partition %d round [%d..%d]", r.Partition, r.Start, r.End)
		assert.Equal(t, r.From, r.Start, "no gaps in these offsets")
		next[r.Partition] = r.End + 1
		seen[r.Partition] = append(seen[r.Partition], offsetsOf(t, r)...)
	}
	for p := range int32(parts) {
		assert.Equal(t, seq(0, perPart-1), seen[p], "partition %d", p)
	}
	assert.Greater(t, len(rounds), parts*perPart/37, "the policy sealed rounds")
}
