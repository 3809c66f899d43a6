package deadletter

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
)

// batch builds a batch of partition 0 over offsets from.., rejecting the
// records bad says.
func batch(from int64, n int, bad func(o int64) bool) *model.Batch {
	b := &model.Batch{Topic: "t"}
	for o := from; o < from+int64(n); o++ {
		b.Records = append(b.Records, model.Record{Topic: "t", Offset: o, Value: []byte("v")})
	}
	b.Reject(func(r *model.Record) error {
		if bad(r.Offset) {
			return errors.New("decoding json: not an object")
		}
		return nil
	})
	return b
}

func TestGuardRatio(t *testing.T) {
	g := NewGuard("t", Config{MaxRatio: 0.5, Window: 10})
	// 4 of every 10 rejected: never half of the window.
	for i := range 20 {
		require.NoError(t, g.Check(batch(int64(i*5), 5, func(o int64) bool { return o%10 < 4 })))
	}
	// Now every record: the window reaches 5 of 10 at the 2nd record.
	err := g.Check(batch(100, 5, func(int64) bool { return true }))
	require.ErrorIs(t, err, ErrTooManyRejected)
	assert.Contains(t, err.Error(), `topic "t" partition 0: 5 of the last 10 records were rejected`)
	assert.Contains(t, err.Error(), "sample reason: offset 100: decoding json: not an object")
}

func TestGuardRatioNeedsAFullWindow(t *testing.T) {
	g := NewGuard("t", Config{MaxRatio: 0.5, Window: 100})
	require.NoError(t, g.Check(batch(0, 50, func(int64) bool { return true })), "50 records: the window is not full")
	require.Error(t, g.Check(batch(50, 50, func(int64) bool { return false })), "100 records, 50 rejected")
}

func TestGuardCount(t *testing.T) {
	g := NewGuard("t", Config{MaxCount: 3})
	require.NoError(t, g.Check(batch(0, 10, func(o int64) bool { return o == 2 || o == 5 })))
	require.NoError(t, g.Check(batch(10, 10, func(o int64) bool { return o == 12 })), "3 is allowed")
	other := batch(0, 10, func(o int64) bool { return o < 3 })
	other.Partition = 1
	require.NoError(t, g.Check(other), "counts are per partition")
	err := g.Check(batch(20, 10, func(o int64) bool { return o == 27 }))
	require.ErrorIs(t, err, ErrTooManyRejected)
	assert.Contains(t, err.Error(), "4 records rejected since sluice started, more than dead_letter.max_count 3")
	assert.Nil(t, (*Guard)(nil).Check(other))
	assert.NoError(t, NewGuard("t", Config{}).Check(batch(0, 10, func(int64) bool { return true })), "both limits off")
}

func TestConfigValidate(t *testing.T) {
	require.NoError(t, DefaultConfig().Validate())
	require.NoError(t, Config{Destination: DestinationKafka, Topic: "dlq", Compression: "none"}.Validate())
	err := Config{Destination: "s3", Compression: "lz4", MaxCount: -1, MaxRatio: 2, Window: 0}.Validate()
	var paths []string
	for _, fe := range conf.List(err) {
		paths = append(paths, fe.Path)
	}
	assert.Equal(t, []string{"destination", "compression", "max_count", "max_ratio", "window"}, paths)
	err = Config{Destination: DestinationKafka, Compression: "none"}.Validate()
	assert.ErrorContains(t, err, "topic: is required with destination kafka")
	err = Config{Destination: DestinationBucket, Topic: "dlq", Compression: "none"}.Validate()
	assert.ErrorContains(t, err, "topic: is for destination kafka")
}

func TestKey(t *testing.T) {
	k := Key("events.v1", 3, 42, "zstd")
	assert.Equal(t, "_rejected/events.v1/3/events.v1+3+00000000000000000042.jsonl.zst", k)
	topic, p, start, c, ok := ParseKey(k)
	require.True(t, ok)
	assert.Equal(t, []any{"events.v1", int32(3), int64(42), "zstd"}, []any{topic, p, start, c})
	_, _, _, c, ok = ParseKey(Key("t", 0, 7, "none"))
	assert.True(t, ok)
	assert.Equal(t, "none", c)
	for _, bad := range []string{"_rejected/t/0/t+0+7.jsonl", "_rejected/t/01/t+01+00000000000000000007.jsonl",
		"_rejected/t/0/u+0+00000000000000000007.jsonl", "_rejected/t/0/t+0+00000000000000000007.parquet", "t/0/x"} {
		_, _, _, _, ok := ParseKey(bad)
		assert.False(t, ok, bad)
	}
}

func TestOutgoing(t *testing.T) {
	r := model.Rejection{Record: model.Record{Topic: "t", Partition: 2, Offset: 9, Key: []byte("k"), Value: []byte{0xff},
		Headers: []model.Header{{Key: "h", Value: []byte("1")}}}, Reason: "bad"}
	out := Outgoing(&r)
	assert.Equal(t, []byte("k"), out.Key)
	assert.Equal(t, []byte{0xff}, out.Value)
	assert.Equal(t, []model.Header{{Key: "h", Value: []byte("1")}, {Key: HeaderReason, Value: []byte("bad")},
		{Key: HeaderTopic, Value: []byte("t")}, {Key: HeaderPartition, Value: []byte("2")}, {Key: HeaderOffset, Value: []byte("9")}}, out.Headers)
	assert.Len(t, r.Record.Headers, 1, "the rejected record is left as it is")
}
