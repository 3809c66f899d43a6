package kafka

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/testing/kafkatest"
)

// Records published through RecordPublisher reach the topic with their
// key, value (tombstones and bytes that are not UTF-8 included) and
// headers in order, as an independent client (franz-go) reads them.
func TestRecordPublisher(t *testing.T) {
	kc := kafkatest.Start(t, 1, "dlq")
	cfg := DefaultConfig()
	cfg.Brokers = kc.Brokers()
	p, err := NewRecordPublisher(cfg, nil)
	require.NoError(t, err)
	defer p.Close()
	recs := []model.Record{
		{Key: []byte("k1"), Value: []byte(`[not json`), Timestamp: time.UnixMilli(1_790_000_000_000),
			Headers: []model.Header{{Key: "h", Value: []byte("1")}, {Key: "h", Value: []byte{0xff}}}},
		{Key: nil, Value: []byte{0, 1, 0xfe}},
		{Key: []byte("k3"), Value: nil, Headers: []model.Header{{Key: "sluice.reason", Value: []byte("tombstone")}}},
	}
	require.NoError(t, p.Publish(t.Context(), "dlq", recs))

	cl, err := kgo.NewClient(kgo.SeedBrokers(kc.Brokers()...), kgo.ConsumeTopics("dlq"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	defer cl.Close()
	var got []*kgo.Record
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for len(got) < len(recs) && ctx.Err() == nil {
		got = append(got, cl.PollFetches(ctx).Records()...)
	}
	require.Len(t, got, len(recs))
	for i, r := range got {
		assert.Equal(t, recs[i].Key, r.Key, "record %d key", i)
		assert.Equal(t, recs[i].Value, r.Value, "record %d value", i)
		require.Len(t, r.Headers, len(recs[i].Headers))
		for j, h := range recs[i].Headers {
			assert.Equal(t, h.Key, r.Headers[j].Key)
			assert.Equal(t, h.Value, r.Headers[j].Value)
		}
	}
	assert.Equal(t, int64(1_790_000_000_000), got[0].Timestamp.UnixMilli(), "the original timestamp")
	assert.Nil(t, got[2].Value, "a tombstone stays one")

	require.NoError(t, p.Close())
	require.NoError(t, p.Close(), "idempotent")
	require.ErrorIs(t, p.Publish(t.Context(), "dlq", recs), ErrPublisherClosed)
}
