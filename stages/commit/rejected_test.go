package commit

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
)

// TestRejectedRoundTrip: a round's record of rejected offsets decodes back
// to itself, is a function of the round's offsets and destination, and is
// checked against its key and itself.
func TestRejectedRoundTrip(t *testing.T) {
	key := RejectedKey("events", 1, 10)
	assert.Equal(t, "_sluice/rejected/events/1/00000000000000000010.json", key)
	ranges := []model.OffsetRange{{First: 10, Last: 10}, {First: 14, Last: 15}}
	r := &model.Round{Topic: "events", Partition: 1, Start: 10, End: 25, Records: 9, Rejected: 3, RejectedRanges: ranges,
		Trigger: "count", DeadLetter: &model.DeadLetter{Records: 3, Spill: "/tmp/x"}}
	rj, ok := RejectedOf(r, "bucket", "_rejected/events/1/events+1+00000000000000000010.jsonl", "")
	require.True(t, ok)
	data, err := rj.Encode()
	require.NoError(t, err)
	assert.Equal(t, `{"version":1,"topic":"events","partition":1,"start":10,"end":25,"count":3,`+
		`"ranges":[{"first":10,"last":10},{"first":14,"last":15}],"destination":"bucket",`+
		`"key":"_rejected/events/1/events+1+00000000000000000010.jsonl"}`+"\n", string(data))
	back, err := DecodeRejected(key, data)
	require.NoError(t, err)
	assert.Equal(t, rj, back)

	kafka, _ := RejectedOf(r, "kafka", "", "events-dlq")
	data, err = kafka.Encode()
	require.NoError(t, err)
	_, err = DecodeRejected(key, data)
	require.NoError(t, err)

	_, ok = RejectedOf(&model.Round{Topic: "events", Start: 0, End: 9, Records: 10}, "bucket", "k", "")
	assert.False(t, ok, "nothing rejected, no record")

	for name, bad := range map[string]string{
		"wrong key":   `{"version":1,"topic":"events","partition":2,"start":10,"end":25,"count":1,"ranges":[{"first":10,"last":10}],"destination":"kafka","kafka_topic":"d"}`,
		"count":       `{"version":1,"topic":"events","partition":1,"start":10,"end":25,"count":2,"ranges":[{"first":10,"last":10}],"destination":"kafka","kafka_topic":"d"}`,
		"outside":     `{"version":1,"topic":"events","partition":1,"start":10,"end":25,"count":1,"ranges":[{"first":26,"last":26}],"destination":"kafka","kafka_topic":"d"}`,
		"no key":      `{"version":1,"topic":"events","partition":1,"start":10,"end":25,"count":1,"ranges":[{"first":10,"last":10}],"destination":"bucket"}`,
		"destination": `{"version":1,"topic":"events","partition":1,"start":10,"end":25,"count":1,"ranges":[{"first":10,"last":10}],"destination":"mail"}`,
		"version":     `{"version":2,"topic":"events","partition":1,"start":10,"end":25,"count":1,"ranges":[{"first":10,"last":10}],"destination":"kafka","kafka_topic":"d"}`,
		"not json":    `{`,
	} {
		_, err := DecodeRejected(key, []byte(bad))
		assert.ErrorIs(t, err, ErrBadRejected, name)
	}
	_, err = DecodeRejected("_sluice/rejected/events/1/10.json", data)
	assert.ErrorIs(t, err, ErrBadRejected)
}
