package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/pipeline"
	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/transport/objstore"
)

// failCommits is a store whose progress writes that commit a round (no
// pending round) fail while armed: the process "dies" between uploading a
// round's files and committing it.
type failCommits struct {
	objstore.Store
	armed   atomic.Bool
	refused atomic.Int64
}

var errInjected = errors.New("injected: commit write refused")

func (s *failCommits) PutIf(ctx context.Context, key string, data []byte, ifMatch string) (string, error) {
	var p commit.Progress
	if s.armed.Load() && json.Unmarshal(data, &p) == nil && p.Pending == nil {
		s.refused.Add(1)
		return "", errInjected
	}
	return s.Store.PutIf(ctx, key, data, ifMatch)
}

// TestCrashBetweenUploadAndCommit leaves rounds uploaded but not committed,
// then starts a new process: it must complete exactly those rounds (the
// same objects, byte for byte) and go on, with every offset stored once.
func TestCrashBetweenUploadAndCommit(t *testing.T) {
	const topic, parts = "events", 2
	kc := kafkatest.Start(t, parts, topic)
	url := "file://" + t.TempDir()
	cfg := testConfig(t, kc.Brokers(), url, topic)
	cfg.ShutdownTimeout = 2 * time.Second
	base := openStore(t, url, cfg.Destination.S3)
	faulty := &failCommits{Store: base}
	faulty.armed.Store(true)

	kc.ProduceJSON(t, topic, parts, 1000, time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC))
	r := start(t, cfg, pipeline.Settings{Store: faulty})
	pending := waitPending(t, base, topic, parts)
	require.Error(t, r.stop(t), "shutdown cannot finish while commits fail")
	require.Positive(t, faulty.refused.Load())

	// The uploaded-but-uncommitted files, as the first process left them.
	before := map[string][]byte{}
	for _, ref := range pending {
		for _, k := range ref.Keys {
			before[k] = readObject(t, base, k)
		}
	}
	require.NotEmpty(t, before)

	kc.ProduceJSON(t, topic, parts, 600, time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC))
	end := kc.EndOffsets(t, topic)
	r = start(t, cfg, pipeline.Settings{Store: base})
	archivetest.WaitDurable(t, base, topic, end, 60*time.Second)
	requireKafkaCommitted(t, kc, base, cfg.Kafka.Group, topic, end)
	require.NoError(t, r.stop(t))

	for k, b := range before {
		require.True(t, bytes.Equal(b, readObject(t, base, k)), "object %s was rewritten with different bytes", k)
	}
	archivetest.RequireExactlyOnce(t, archivetest.ReadAll(t, base), topic, end)
}

// waitPending waits until every partition has a pending round whose files
// are all stored, and returns the pending rounds.
func waitPending(t *testing.T, st objstore.Store, topic string, parts int32) map[int32]*commit.RoundRef {
	t.Helper()
	ledger := commit.NewLedger(st, "test-reader")
	deadline := time.Now().Add(30 * time.Second)
	for {
		out := map[int32]*commit.RoundRef{}
		for p := range parts {
			prog, ok, err := ledger.Load(t.Context(), topic, p)
			require.NoError(t, err)
			if ok && prog.Pending != nil && allStored(t, st, prog.Pending.Keys) {
				out[p] = prog.Pending
			}
		}
		if len(out) == int(parts) {
			return out
		}
		require.False(t, time.Now().After(deadline), "no pending round with stored files in every partition within 30s")
		time.Sleep(100 * time.Millisecond)
	}
}

func allStored(t *testing.T, st objstore.Store, keys []string) bool {
	for _, k := range keys {
		rc, err := st.Open(t.Context(), k)
		if errors.Is(err, objstore.ErrNotExist) {
			return false
		}
		require.NoError(t, err)
		rc.Close()
	}
	return true
}

func readObject(t *testing.T, st objstore.Store, key string) []byte {
	rc, err := st.Open(t.Context(), key)
	require.NoError(t, err)
	defer rc.Close()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	return b
}
