package kafka

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSaramaConfigTimeouts: a JoinGroup may be held for the rebalance
// timeout, so responses must be awaited longer than that.
func TestSaramaConfigTimeouts(t *testing.T) {
	for _, session := range []time.Duration{6 * time.Second, 30 * time.Second, 2 * time.Minute} {
		cfg := DefaultConfig()
		cfg.SessionTimeout = session
		sc, err := SaramaConfig(cfg)
		require.NoError(t, err)
		assert.Equal(t, session, sc.Consumer.Group.Rebalance.Timeout)
		assert.Greater(t, sc.Net.ReadTimeout, sc.Consumer.Group.Rebalance.Timeout, "session %s", session)
		assert.False(t, sc.Consumer.Offsets.AutoCommit.Enable, "only the commit stage commits")
		require.NoError(t, sc.Validate())
	}
}
