package kafka

import (
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
)

// recordCase is a Kafka record and what sluice must read of it.
type recordCase struct {
	name    string
	key     []byte
	value   []byte
	headers []model.Header
}

func recordCases() []recordCase {
	return []recordCase{
		{name: "nil key, no headers", key: nil, value: []byte(`{"a":1}`)},
		{name: "empty key", key: []byte{}, value: []byte("v")},
		{name: "binary bytes", key: []byte{0, 0xff, '\n', 0x80}, value: []byte{0xc3, 0x28, 0, 1, 2}},
		{name: "tombstone", key: []byte("k"), value: nil},
		{name: "nil and empty header values", key: []byte("k"), value: []byte("v"), headers: []model.Header{
			{Key: "nil", Value: nil}, {Key: "empty", Value: []byte{}}, {Key: "", Value: []byte("no key")},
		}},
		{name: "repeated header keys in order", key: []byte("k"), value: []byte("v"), headers: []model.Header{
			{Key: "h", Value: []byte("1")}, {Key: "x", Value: []byte("2")}, {Key: "h", Value: []byte("3")},
			{Key: "h", Value: []byte{0, 0xfe}},
		}},
	}
}

func saramaHeaders(hs []model.Header) []*sarama.RecordHeader {
	var out []*sarama.RecordHeader
	for _, h := range hs {
		out = append(out, &sarama.RecordHeader{Key: []byte(h.Key), Value: h.Value})
	}
	return out
}

// assertRecord checks got carries tc exactly: nil and empty kept apart.
func assertRecord(t *testing.T, tc recordCase, got model.Record) {
	t.Helper()
	assert.Equal(t, tc.key == nil, got.Key == nil, "key nil-ness")
	assert.Equal(t, string(tc.key), string(got.Key))
	assert.Equal(t, tc.value == nil, got.Value == nil, "value nil-ness")
	assert.Equal(t, string(tc.value), string(got.Value))
	require.Len(t, got.Headers, len(tc.headers))
	for i, h := range tc.headers {
		assert.Equal(t, h.Key, got.Headers[i].Key, "header %d", i)
		assert.Equal(t, h.Value == nil, got.Headers[i].Value == nil, "header %d value nil-ness", i)
		assert.Equal(t, string(h.Value), string(got.Headers[i].Value), "header %d", i)
	}
}

func TestUnmarshal(t *testing.T) {
	for _, tc := range recordCases() {
		t.Run(tc.name, func(t *testing.T) {
			ts := time.Date(2026, 11, 22, 1, 2, 3, 4_000_000, time.UTC)
			m := &sarama.ConsumerMessage{Topic: "events", Partition: 3, Offset: 42, Timestamp: ts,
				Key: tc.key, Value: tc.value, Headers: saramaHeaders(tc.headers)}
			msg, err := Unmarshaler{}.Unmarshal(m)
			require.NoError(t, err)
			assert.Equal(t, "events-3-42", msg.UUID)
			got, err := RecordFrom(msg)
			require.NoError(t, err)
			assert.Equal(t, "events", got.Topic)
			assert.Equal(t, int32(3), got.Partition)
			assert.Equal(t, int64(42), got.Offset)
			assert.Equal(t, ts, got.Timestamp)
			assertRecord(t, tc, got)
		})
	}
	_, err := RecordFrom(message.NewMessage("x", nil))
	assert.ErrorIs(t, err, ErrNotKafka)
}

func TestDecodeHeadersCorrupt(t *testing.T) {
	valid := encodeHeaders(saramaHeaders([]model.Header{{Key: "key", Value: []byte("value")}}))
	for _, s := range []string{
		"\x80",               // truncated uvarint
		"\x05ab",             // key longer than the rest
		"\x01a",              // no value length
		"\x01a\x05xy",        // value longer than the rest
		valid[:len(valid)-1], // cut short
		"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", // huge key length
	} {
		_, err := decodeHeaders(s)
		assert.ErrorIs(t, err, errCorruptHeaders, "%q", s)
	}
}

func FuzzDecodeHeaders(f *testing.F) {
	for _, tc := range recordCases() {
		f.Add(encodeHeaders(saramaHeaders(tc.headers)))
	}
	f.Add("\x80")
	f.Add("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")
	f.Add("\x01a\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")
	f.Fuzz(func(t *testing.T, s string) {
		hs, err := decodeHeaders(s)
		if err != nil {
			return
		}
		// Whatever decodes survives encoding and decoding again unchanged.
		again, err := decodeHeaders(encodeHeaders(saramaHeaders(hs)))
		require.NoError(t, err)
		require.Equal(t, len(hs), len(again))
		for i := range hs {
			require.Equal(t, hs[i].Key, again[i].Key)
			require.Equal(t, hs[i].Value == nil, again[i].Value == nil)
			require.Equal(t, string(hs[i].Value), string(again[i].Value))
		}
	})
}

func TestSelectTopics(t *testing.T) {
	all := []string{"__consumer_offsets", "__transaction_state", "events", "events-eu", "logs.app", "logs.web", "xevents"}
	tests := []struct {
		name    string
		topics  []string
		regex   string
		want    []string
		wantErr []string // substrings of the error
	}{
		{name: "listed", topics: []string{"logs.web", "events"}, want: []string{"events", "logs.web"}},
		{name: "regex matches whole names", regex: "events", want: []string{"events"}},
		{name: "regex prefix", regex: "events.*", want: []string{"events", "events-eu"}},
		{name: "regex alternation is anchored as a whole", regex: "events|logs\\..*",
			want: []string{"events", "logs.app", "logs.web"}},
		{name: "internal topics excluded", regex: ".*",
			want: []string{"events", "events-eu", "logs.app", "logs.web", "xevents"}},
		{name: "listed and regex, deduplicated", topics: []string{"events"}, regex: "e.*",
			want: []string{"events", "events-eu"}},
		{name: "unknown topics listed", topics: []string{"events", "nope", "gone"}, regex: ".*",
			wantErr: []string{`"nope"`, `"gone"`, "topic does not exist"}},
		{name: "regex matching nothing", regex: "metrics.*", wantErr: []string{`"metrics.*"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := selectTopics(Config{Topics: tt.topics, TopicRegex: tt.regex}, all)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, ErrUnknownTopic)
				for _, s := range tt.wantErr {
					assert.Contains(t, err.Error(), s)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzDecodeRecord(f *testing.F) {
	for _, tc := range recordCases() {
		f.Add(encodeRecord(&sarama.ConsumerMessage{Topic: "t", Partition: 1, Offset: 7,
			Key: tc.key, Headers: saramaHeaders(tc.headers)}))
	}
	f.Fuzz(func(t *testing.T, s string) {
		rec, err := decodeRecord(s) // never panics
		if err != nil {
			return
		}
		var hs []*sarama.RecordHeader
		for _, h := range rec.Headers {
			hs = append(hs, &sarama.RecordHeader{Key: []byte(h.Key), Value: h.Value})
		}
		again, err := decodeRecord(encodeRecord(&sarama.ConsumerMessage{Topic: rec.Topic, Partition: rec.Partition,
			Offset: rec.Offset, Timestamp: rec.Timestamp, Key: rec.Key, Headers: hs}))
		require.NoError(t, err)
		assert.Equal(t, rec.Offset, again.Offset)
		assert.Equal(t, rec.Key == nil, again.Key == nil)
	})
}
