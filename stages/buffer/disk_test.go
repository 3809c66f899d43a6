package buffer

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/testing/tmpfs"
)

// committer is a Publisher that reads each round's offsets and frees it
// (removes its spill directory, releases its held files) a little later, as
// upload and commit do.
type committer struct {
	t       *testing.T
	mu      sync.Mutex
	rounds  []model.Round
	offsets []int64
	wg      sync.WaitGroup
}

func (c *committer) publish(_ context.Context, r *model.Round) error {
	offs := offsetsOf(c.t, *r)
	c.mu.Lock()
	c.rounds = append(c.rounds, *r)
	c.offsets = append(c.offsets, offs...)
	c.mu.Unlock()
	c.wg.Go(func() {
		time.Sleep(20 * time.Millisecond)
		r.Free()
	})
	return nil
}

// newDiskStage starts a stage over dir publishing to c.
func newDiskStage(t *testing.T, cfg Config, c *committer, broken func(string, int32)) *Stage {
	t.Helper()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	s, err := New(cfg, Settings{
		Alloc:    alloc,
		Publish:  c.publish,
		Topic:    func(string) TopicSettings { return TopicSettings{Policy: loose(), Extension: ".jsonl"} },
		OnBroken: broken,
	})
	require.NoError(t, err)
	t.Cleanup(func() { alloc.AssertSize(t, 0) })
	require.NoError(t, s.Start())
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// TestSealWhenTheDiskFills bounds the buffer's disk to 2 MiB: rounds that
// never reach the policy are sealed by trigger disk, spills wait for room,
// the disk used stays near the bound, and every record is in one round.
func TestSealWhenTheDiskFills(t *testing.T) {
	c := &committer{t: t}
	s := newDiskStage(t, Config{Dir: t.TempDir(), Memory: MinMemory, MaxOpenFiles: 10, MaxDisk: 2 << 20}, c,
		func(string, int32) { t.Error("the chain broke") })
	// Every file is spilled at seal, as when sealed rounds hold the memory
	// bound: rounds held in memory take no disk, and this test is about the
	// disk filling up.
	s.spillAtSeal = true
	s.Assign("t", 0, 0, nil)
	const n = 200 // 20 MiB of 100 KiB records
	for o := range int64(n) {
		require.NoError(t, s.appendOne(t.Context(), rec(0, o, 100<<10, t0), []string{"a", "b"}[o%2]))
		used, err := s.SpillBytes()
		require.NoError(t, err)
		assert.LessOrEqual(t, used["t"], int64(5<<19), "after offset %d: disk used within the bound and a batch", o)
	}
	require.NoError(t, s.Drain(t.Context()))
	c.wg.Wait()

	assert.Positive(t, s.Stats().ByDisk.Load(), "rounds sealed by disk")
	assert.Positive(t, s.Stats().DiskWaits.Load(), "spills waited for room")
	assert.Zero(t, s.Stats().SpillRetries.Load(), "no write failed")
	next := int64(0)
	for _, r := range c.rounds {
		assert.Equal(t, next, r.From)
		next = r.End + 1
	}
	assert.ElementsMatch(t, seq(0, n-1), c.offsets)
}

func TestRecordTooLarge(t *testing.T) {
	c := &committer{t: t}
	s := newDiskStage(t, Config{Dir: t.TempDir(), Memory: MinMemory, MaxOpenFiles: 10, MaxDisk: 2 << 20}, c, nil)
	s.Assign("t", 0, 0, nil)
	require.NoError(t, s.appendOne(t.Context(), rec(0, 0, 1<<20, t0), "a"), "half of max_disk fits")
	err := s.appendOne(t.Context(), rec(0, 1, 1<<20+1, t0), "a")
	require.ErrorIs(t, err, ErrRecordTooLarge)
	assert.Contains(t, err.Error(), "t/0@1")
	assert.Contains(t, err.Error(), "buffer.max_disk (2.0 MiB)")
}

// TestSpillRetriesOnAFullDisk fills a real small filesystem so a spill fails
// with ENOSPC: the append waits and retries instead of breaking the chain,
// and goes on once room is made.
func TestSpillRetriesOnAFullDisk(t *testing.T) {
	dir := tmpfs.Mount(t, 4<<20)
	c := &committer{t: t}
	s := newDiskStage(t, Config{Dir: filepath.Join(dir, "buffer"), Memory: MinMemory, MaxOpenFiles: 10, MaxDisk: 64 << 20}, c,
		func(string, int32) { t.Error("the chain broke") })
	filler := filepath.Join(dir, "filler")
	require.NoError(t, os.WriteFile(filler, make([]byte, 3<<20+512<<10), 0o644)) // 512 KiB left
	s.Assign("t", 0, 0, nil)

	done := make(chan error, 1)
	go func() {
		for o := range int64(20) { // 2 MiB: the first spill (1 MiB) cannot be written
			if err := s.appendOne(t.Context(), rec(0, o, 100<<10, t0), "a"); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	require.Eventually(t, func() bool { return s.Stats().SpillRetries.Load() >= 2 }, 10*time.Second, 10*time.Millisecond,
		"the spill is retried")
	select {
	case err := <-done:
		t.Fatalf("append went on with the disk full: %v", err)
	default:
	}
	require.NoError(t, os.Remove(filler))
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("append did not go on once room was made")
	}
	require.NoError(t, s.Drain(t.Context()))
	c.wg.Wait()
	assert.Zero(t, s.Stats().Broken.Load())
	assert.ElementsMatch(t, seq(0, 19), c.offsets)
}

// TestDrainWaitsForRoom: a full disk when the shutdown seals a round makes
// the seal's spill wait and retry until room is made (within the shutdown's
// deadline), instead of failing the shutdown and dropping the round.
func TestDrainWaitsForRoom(t *testing.T) {
	dir := tmpfs.Mount(t, 2<<20)
	c := &committer{t: t}
	s := newDiskStage(t, Config{Dir: filepath.Join(dir, "buffer"), Memory: MinMemory, MaxOpenFiles: 10, MaxDisk: 64 << 20}, c,
		func(string, int32) { t.Error("the chain broke") })
	s.Assign("t", 0, 0, nil)
	for o := range int64(5) { // 500 KiB: held in memory until the seal spills it
		require.NoError(t, s.appendOne(t.Context(), rec(0, o, 100<<10, t0), "a"))
	}
	// Sealed rounds elsewhere hold the memory: the seal cannot hold these
	// records and spills them.
	s.held.Add(int64(MinMemory))
	defer s.held.Add(-int64(MinMemory))
	filler := filepath.Join(dir, "filler")
	require.NoError(t, os.WriteFile(filler, make([]byte, 1<<20+768<<10), 0o644)) // 256 KiB left
	done := make(chan error, 1)
	go func() { done <- s.Drain(t.Context()) }()
	require.Eventually(t, func() bool { return s.Stats().SpillRetries.Load() >= 2 }, 10*time.Second, 10*time.Millisecond,
		"the shutdown's spill is retried")
	require.NoError(t, os.Remove(filler))
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the drain did not go on once room was made")
	}
	c.wg.Wait()
	assert.ElementsMatch(t, seq(0, 4), c.offsets)
}

// TestSpillGivesUpWhenThePartitionLeaves blocks a spill on a full disk, then
// revokes the partition: the append gives up at once, without asking for the
// partition to be read again.
func TestSpillGivesUpWhenThePartitionLeaves(t *testing.T) {
	dir := tmpfs.Mount(t, 2<<20)
	c := &committer{t: t}
	s := newDiskStage(t, Config{Dir: filepath.Join(dir, "buffer"), Memory: MinMemory, MaxOpenFiles: 10, MaxDisk: 64 << 20}, c,
		func(string, int32) { t.Error("a revoked partition is not read again") })
	require.NoError(t, os.WriteFile(filepath.Join(dir, "filler"), make([]byte, 1<<20+512<<10), 0o644))
	s.Assign("t", 0, 0, nil)
	done := make(chan error, 1)
	go func() {
		var err error
		for o := int64(0); o < 20 && err == nil; o++ {
			err = s.appendOne(t.Context(), rec(0, o, 100<<10, t0), "a")
		}
		done <- err
	}()
	require.Eventually(t, func() bool { return s.Stats().SpillRetries.Load() >= 1 }, 10*time.Second, 10*time.Millisecond)
	revoked := time.Now()
	s.Revoke("t", 0)
	assert.Less(t, time.Since(revoked), 2*time.Second, "the revoke did not wait for the disk")
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("append still blocked")
	}
	assert.Zero(t, s.Stats().Broken.Load())
}

// TestMaxDiskDefault: with max_disk unset, the bound is 80% of the space
// free on the buffer's filesystem at start (below the 64 GiB cap here); a
// value set is taken as it is.
func TestMaxDiskDefault(t *testing.T) {
	dir := tmpfs.Mount(t, 10<<20)
	s := newStageAt(t, dir)
	require.NoError(t, s.Start())
	var st syscall.Statfs_t
	require.NoError(t, syscall.Statfs(dir, &st))
	free := int64(st.Bavail) * int64(st.Bsize)
	assert.InDelta(t, 0.8*float64(free), float64(s.MaxDisk()), 64<<10, "80%% of %d bytes free", free)
	require.NoError(t, s.Close())

	n, derived, err := resolveMaxDisk(Config{Dir: dir, MaxDisk: 3 << 20})
	require.NoError(t, err)
	assert.False(t, derived)
	assert.Equal(t, int64(3<<20), n)
}
