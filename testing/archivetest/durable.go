package archivetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/transport/objstore"
)

// WaitDurable waits until every partition's progress record says everything
// below end is stored and nothing is pending, and fails the test after within.
func WaitDurable(t testing.TB, st objstore.Store, topic string, end map[int32]int64, within time.Duration) {
	t.Helper()
	ledger := commit.NewLedger(st, "test-reader")
	deadline := time.Now().Add(within)
	for {
		behind := ""
		for p, e := range end {
			prog, ok, err := ledger.Load(t.Context(), topic, p)
			require.NoError(t, err)
			if !ok || prog.Next < e || prog.Pending != nil {
				behind = fmt.Sprintf("partition %d: next %d of %d (record exists: %v)", p, prog.Next, e, ok)
				break
			}
		}
		if behind == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("archive not durable within %s: %s", within, behind)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
