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

// TestSubscriberSaramaConfigMetadata: each subscription's client keeps the
// metadata of its own topic only (issue #11: with full metadata, memory and
// CPU grew with the square of the topics), while the client that lists the
// cluster's topics for topic_regex still fetches them all.
func TestSubscriberSaramaConfigMetadata(t *testing.T) {
	cfg := DefaultConfig()
	sub, err := SubscriberSaramaConfig(cfg)
	require.NoError(t, err)
	assert.False(t, sub.Metadata.Full)
	require.NoError(t, sub.Validate())
	full, err := SaramaConfig(cfg)
	require.NoError(t, err)
	assert.True(t, full.Metadata.Full, "ResolveTopics lists every topic of the cluster")
	assert.Equal(t, full.Metadata.RefreshFrequency, sub.Metadata.RefreshFrequency, "a topic's growth is still noticed")
	assert.Equal(t, full.Consumer.Group, sub.Consumer.Group)
}
