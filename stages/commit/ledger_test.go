package commit

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/transport/objstore"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func newStore(t *testing.T) objstore.Store {
	t.Helper()
	st, err := objstore.Open(t.Context(), "file://"+t.TempDir(), objstore.S3Config{}, objstore.Settings{})
	require.NoError(t, err)
	return st
}

// round is a round of partition 0 of topic "t" with one file per key.
func round(from, start, end int64, keys ...string) *model.Round {
	r := &model.Round{Topic: "t", Partition: 0, From: from, Start: start, End: end, Records: end - start + 1}
	for _, k := range keys {
		r.Files = append(r.Files, model.RoundFile{Key: k, Records: 1})
	}
	return r
}

func load(t *testing.T, st objstore.Store) (Progress, bool) {
	t.Helper()
	p, ok, err := NewLedger(st, "reader").Load(t.Context(), "t", 0)
	require.NoError(t, err)
	return p, ok
}

func TestLedgerClaimCommit(t *testing.T) {
	st := newStore(t)
	l := NewLedger(st, "a")
	_, ok := load(t, st)
	require.False(t, ok)

	r1 := round(5, 5, 9, "x/t+0+00000000000000000005.parquet")
	require.NoError(t, l.Claim(t.Context(), r1))
	p, ok := load(t, st)
	require.True(t, ok, "the first claim creates the record")
	assert.Equal(t, int64(5), p.Next)
	assert.Equal(t, &RoundRef{Start: 5, End: 9, Records: 5, Keys: []string{"x/t+0+00000000000000000005.parquet"}}, p.Pending)
	assert.Nil(t, p.Last)
	assert.Equal(t, "a", p.Owner)

	require.NoError(t, l.Claim(t.Context(), r1), "a retried claim of the same round")
	require.NoError(t, l.Commit(t.Context(), r1))
	p, _ = load(t, st)
	assert.Equal(t, int64(10), p.Next)
	assert.Nil(t, p.Pending)
	assert.Equal(t, int64(9), p.Last.End)

	r2 := round(10, 12, 20) // offsets 10 and 11 do not exist
	require.NoError(t, l.Claim(t.Context(), r2))
	require.NoError(t, l.Commit(t.Context(), r2))
	p, _ = load(t, st)
	assert.Equal(t, int64(21), p.Next)
}

func TestLedgerRefusals(t *testing.T) {
	tests := []struct {
		name  string
		setup []*model.Round // claimed and committed first
		claim *model.Round   // claimed (by a fresh ledger) and left pending
		round *model.Round
		want  error
	}{
		{"continues from next", []*model.Round{round(0, 0, 9)}, nil, round(10, 10, 19), nil},
		{"From before next", []*model.Round{round(0, 0, 9)}, nil, round(5, 5, 19), ErrStale},
		{"From after next: a round was lost", []*model.Round{round(0, 0, 9)}, nil, round(15, 15, 19), ErrStale},
		{"wholly below next", []*model.Round{round(0, 0, 9), round(10, 10, 19)}, nil, round(10, 10, 19), ErrStored},
		{"ends just below next", []*model.Round{round(0, 0, 9)}, nil, round(0, 3, 9), ErrStored},
		{"identical pending round", []*model.Round{round(0, 0, 9)}, round(10, 10, 19), round(10, 10, 19), nil},
		{"pending round, other end", []*model.Round{round(0, 0, 9)}, round(10, 10, 19), round(10, 10, 18), ErrStale},
		{"pending round, other start", []*model.Round{round(0, 0, 9)}, round(10, 10, 19), round(10, 11, 19), ErrStale},
		{"pending round, a later one", []*model.Round{round(0, 0, 9)}, round(10, 10, 19), round(20, 20, 29), ErrStale},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore(t)
			first := NewLedger(st, "first")
			for _, r := range tt.setup {
				require.NoError(t, first.Claim(t.Context(), r))
				require.NoError(t, first.Commit(t.Context(), r))
			}
			if tt.claim != nil {
				require.NoError(t, NewLedger(st, "crashed").Claim(t.Context(), tt.claim))
			}
			before, _ := load(t, st)
			l := NewLedger(st, "second")
			err := l.Claim(t.Context(), tt.round)
			if tt.want != nil {
				require.ErrorIs(t, err, tt.want)
				after, _ := load(t, st)
				assert.Equal(t, before, after, "a refused claim writes nothing")
				return
			}
			require.NoError(t, err)
			require.NoError(t, l.Commit(t.Context(), tt.round))
			after, _ := load(t, st)
			assert.Equal(t, tt.round.End+1, after.Next)
			assert.Nil(t, after.Pending)
		})
	}
}

func TestLedgerCommitWithoutClaim(t *testing.T) {
	st := newStore(t)
	l := NewLedger(st, "a")
	require.ErrorIs(t, l.Commit(t.Context(), round(0, 0, 9)), ErrStale)
	require.NoError(t, l.Claim(t.Context(), round(0, 0, 9)))
	require.ErrorIs(t, l.Commit(t.Context(), round(0, 0, 8)), ErrStale, "another round than the claimed one")
	_, ok := load(t, st)
	require.True(t, ok)
}

func TestLedgerClaimWaitsForThePreviousRound(t *testing.T) {
	l := NewLedger(newStore(t), "a")
	r1, r2 := round(0, 0, 9), round(10, 10, 19)
	require.NoError(t, l.Claim(t.Context(), r1))

	done := make(chan error, 1)
	go func() { done <- l.Claim(t.Context(), r2) }()
	select {
	case err := <-done:
		t.Fatalf("the next round was claimed before the previous one was committed: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	// Another partition is not held up.
	other := round(0, 0, 3)
	other.Partition = 1
	require.NoError(t, l.Claim(t.Context(), other))

	require.NoError(t, l.Commit(t.Context(), r1))
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Claim did not return once the previous round was committed")
	}
	require.NoError(t, l.Commit(t.Context(), r2))

	t.Run("honours ctx", func(t *testing.T) {
		require.NoError(t, l.Claim(t.Context(), round(20, 20, 29)))
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		require.ErrorIs(t, l.Claim(ctx, round(30, 30, 39)), context.DeadlineExceeded)
	})
}

func TestLedgerAbandon(t *testing.T) {
	st := newStore(t)
	l := NewLedger(st, "a")
	r1 := round(0, 0, 9)
	require.NoError(t, l.Claim(t.Context(), r1))
	l.Abandon(r1)

	p, _ := load(t, st)
	require.NotNil(t, p.Pending, "the pending round stays for the next owner")
	assert.Equal(t, int64(9), p.Pending.End)

	// The claim is forgotten: a later round does not wait, it is refused
	// because r1 is pending.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	require.ErrorIs(t, l.Claim(ctx, round(10, 10, 19)), ErrStale)
	require.ErrorIs(t, l.Commit(t.Context(), r1), ErrStale, "nothing to commit after Abandon")
	// Completing the pending round is still allowed.
	require.NoError(t, l.Claim(t.Context(), r1))
	require.NoError(t, l.Commit(t.Context(), r1))
	l.Abandon(round(10, 10, 19)) // harmless without a claim
}

// TestLedgersRace runs two ledgers (two processes) on one partition.
func TestLedgersRace(t *testing.T) {
	t.Run("first claim", func(t *testing.T) {
		for range 10 {
			st := newStore(t)
			ls := []*Ledger{NewLedger(st, "a"), NewLedger(st, "b")}
			// Both have read the (missing) record: both claims are
			// conditional on the same state. (A ledger that reads after the
			// other's claim sees the round pending and may complete it.)
			for _, l := range ls {
				_, _, err := l.Load(t.Context(), "t", 0)
				require.NoError(t, err)
			}
			errs := make([]error, len(ls))
			var wg sync.WaitGroup
			for i, l := range ls {
				wg.Go(func() { errs[i] = l.Claim(t.Context(), round(0, 0, 9)) })
			}
			wg.Wait()
			wins := 0
			for i, err := range errs {
				if err == nil {
					wins++
					require.NoError(t, ls[i].Commit(t.Context(), round(0, 0, 9)))
				} else {
					require.ErrorIs(t, err, ErrStale)
				}
			}
			require.Equal(t, 1, wins, "exactly one ledger wins: %v", errs)
		}
	})
	t.Run("zombie", func(t *testing.T) {
		st := newStore(t)
		zombie, owner := NewLedger(st, "zombie"), NewLedger(st, "owner")
		r1 := round(0, 0, 9)
		require.NoError(t, zombie.Claim(t.Context(), r1))
		// The new owner reads the record and completes the pending round.
		_, _, err := owner.Load(t.Context(), "t", 0)
		require.NoError(t, err)
		require.NoError(t, owner.Claim(t.Context(), r1))
		require.NoError(t, owner.Commit(t.Context(), r1))

		require.ErrorIs(t, zombie.Commit(t.Context(), r1), ErrStale, "the zombie's next write fails")
		// A stale write makes the ledger forget its copy: the next claim is
		// judged against the bucket's record.
		require.ErrorIs(t, zombie.Claim(t.Context(), r1), ErrStored)
		p, _ := load(t, st)
		assert.Equal(t, int64(10), p.Next)
		assert.Equal(t, "owner", p.Owner)
	})
}

func TestProgressLayout(t *testing.T) {
	st := newStore(t)
	l := NewLedger(st, "host-1/4242/2026-11-22T01:00:00Z")
	l.now = func() time.Time { return time.Date(2026, 11, 22, 2, 3, 4, 5, time.FixedZone("X", 3600)) }
	r1 := round(0, 0, 999, "events/dt=2026-11-22/hr=01/t+0+00000000000000000000.parquet",
		"events/dt=2026-11-22/hr=02/t+0+00000000000000000000.parquet")
	require.NoError(t, l.Claim(t.Context(), r1))
	require.NoError(t, l.Commit(t.Context(), r1))
	require.NoError(t, l.Claim(t.Context(), round(1000, 1000, 1499, "events/dt=2026-11-22/hr=02/t+0+00000000000000001000.parquet")))

	got, _, err := st.Get(t.Context(), ProgressKey("t", 0))
	require.NoError(t, err)
	assert.Equal(t, "_sluice/progress/t/0.json", ProgressKey("t", 0))
	golden := filepath.Join("testdata", "progress.json")
	if *update {
		require.NoError(t, os.WriteFile(golden, got, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))

	p, err := decodeProgress(want, "t", 0)
	require.NoError(t, err)
	assert.Equal(t, int64(1000), p.Next)
	_, err = decodeProgress(want, "t", 1)
	require.Error(t, err, "a record of another partition")
	_, err = decodeProgress([]byte("{"), "t", 0)
	require.Error(t, err)
}
