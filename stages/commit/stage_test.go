package commit

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/transport/kafka"
)

// offsets records Kafka commits and answers with err.
type offsets struct {
	mu      sync.Mutex
	commits []string
	err     error
}

func (o *offsets) Commit(topic string, partition int32, next int64) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.commits = append(o.commits, model.LaneOf(topic, partition)+"@"+itoa(next))
	return o.err
}

func (o *offsets) all() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.commits...)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// spilled gives r a spill directory with one file per RoundFile.
func spilled(t *testing.T, r *model.Round) *model.Round {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "t", "0", itoa(r.Start))
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for i := range r.Files {
		r.Files[i].Spill = filepath.Join(dir, itoa(int64(i+1))+".arrow")
		require.NoError(t, os.WriteFile(r.Files[i].Spill, []byte("spill"), 0o644))
	}
	return r
}

func TestStageHandle(t *testing.T) {
	tests := []struct {
		name      string
		claim     bool  // the upload stage claimed the round
		kafkaErr  error // what Offsets.Commit answers
		wantErr   bool
		wantStale bool
	}{
		{name: "committed", claim: true},
		{name: "kafka partition not owned", claim: true, kafkaErr: kafka.ErrNotOwner},
		{name: "kafka failing", claim: true, kafkaErr: errors.New("broker gone")},
		{name: "stale: not claimed by this process", claim: false, wantStale: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore(t)
			ledger := NewLedger(st, "a")
			off := &offsets{err: tt.kafkaErr}
			var stale []string
			s, err := New(Settings{Ledger: ledger, Offsets: off, OnStale: func(topic string, p int32) {
				stale = append(stale, model.LaneOf(topic, p))
			}})
			require.NoError(t, err)

			r := spilled(t, round(0, 0, 9, "a/t+0+00000000000000000000.jsonl", "b/t+0+00000000000000000000.jsonl"))
			r.Records = 10
			if tt.claim {
				require.NoError(t, ledger.Claim(t.Context(), r))
			}
			err = s.Commit(t.Context(), r)
			require.NoError(t, err)
			assert.NoDirExists(t, r.SpillDir(), "the spill dir is removed")

			p, ok := load(t, st)
			if tt.wantStale {
				assert.False(t, ok)
				assert.Equal(t, []string{"t/0"}, stale)
				assert.Empty(t, off.all(), "no Kafka commit for a stale round")
				assert.Equal(t, int64(1), s.Stats().Stale.Load())
				assert.Zero(t, s.Stats().Rounds.Load())
				assert.Empty(t, s.Durable())
				return
			}
			assert.Empty(t, stale)
			assert.Equal(t, int64(10), p.Next)
			assert.Nil(t, p.Pending)
			assert.Equal(t, []string{"t/0@10"}, off.all(), "Kafka gets End+1 after the record")
			assert.Equal(t, int64(1), s.Stats().Rounds.Load())
			assert.Equal(t, int64(10), s.Stats().Records.Load())
			assert.Equal(t, map[string]int64{"t/0": 10}, s.Durable())
			var kafkaErrs int64
			if tt.kafkaErr != nil {
				kafkaErrs = 1
			}
			assert.Equal(t, kafkaErrs, s.Stats().KafkaErrors.Load())
		})
	}
}

func TestStageCommitErrors(t *testing.T) {
	st := newStore(t)
	ledger := NewLedger(st, "a")
	off := &offsets{}
	s, err := New(Settings{Ledger: ledger, Offsets: off})
	require.NoError(t, err)

	// A store failing (not a lost condition) means "try again": the claim
	// stays, the spill stays, nothing goes to Kafka.
	r := spilled(t, round(0, 0, 9, "k"))
	require.NoError(t, ledger.Claim(t.Context(), r))
	require.NoError(t, os.RemoveAll(filepath.Join(storeRoot(t, st), "_sluice")))
	require.NoError(t, os.WriteFile(filepath.Join(storeRoot(t, st), "_sluice"), nil, 0o644))
	err = s.Commit(t.Context(), r)
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrStale)
	assert.DirExists(t, r.SpillDir())
	assert.Empty(t, off.all())

	_, err = New(Settings{Ledger: ledger})
	require.Error(t, err, "Offsets is required")
	_, err = New(Settings{Offsets: off})
	require.Error(t, err, "Ledger is required")
}

// storeRoot is the directory of a file:// store.
func storeRoot(t *testing.T, st interface{ String() string }) string {
	t.Helper()
	const scheme = "file://"
	s := st.String()
	require.Greater(t, len(s), len(scheme))
	return filepath.FromSlash(s[len(scheme):])
}
