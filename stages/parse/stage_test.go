package parse

import (
	"bytes"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/plugin"
)

// kafkaTime is the Kafka timestamp of test records, in a zone other than UTC
// so that tests see the stage convert it.
var kafkaTime = time.Date(2025, time.November, 22, 9, 0, 0, 0, time.FixedZone("X", 3600))

func record(value string) *model.Record {
	rec := &model.Record{Topic: "events", Partition: 3, Offset: 42, Timestamp: kafkaTime}
	if value != "" {
		rec.Value = []byte(value)
	}
	return rec
}

func TestParseRaw(t *testing.T) {
	for _, typ := range []string{"", TypeRaw} {
		s, err := New(Config{Type: typ}, Settings{})
		require.NoError(t, err)
		rec := record(`{"ts":1}`)
		rec.EventTimeFallback = true // a stale flag is cleared
		s.Parse(rec)
		assert.True(t, kafkaTime.Equal(rec.EventTime))
		assert.Equal(t, time.UTC, rec.EventTime.Location())
		assert.False(t, rec.EventTimeFallback)
		assert.Equal(t, Stats{Parsed: 1}, s.Stats())
	}
}

func TestParseJSONCountsFallbacks(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := New(Config{Type: TypeJSON, JSON: JSONConfig{TimeField: "meta.ts", TimeFormat: FormatUnixMS}},
		Settings{Logger: log})
	require.NoError(t, err)

	values := []struct {
		value    string
		fallback bool
	}{
		{`{"meta":{"ts":1763773323123}}`, false},
		{`{"meta":{"ts":"1763773323123"}}`, false},
		{`{"meta":{"ts":1763773323123}`, true}, // malformed
		{``, true},                             // malformed (tombstone)
		{`[1]`, true},                          // malformed
		{`{"meta":{}}`, true},                  // missing
		{`{"meta":{"ts":false}}`, true},        // wrong type
		{`{"meta":{"ts":"soon"}}`, true},       // unparsable
		{`{"meta":{"ts":"NaN"}}`, true},        // unparsable
	}
	for _, v := range values {
		rec := record(v.value)
		s.Parse(rec)
		assert.Equal(t, v.fallback, rec.EventTimeFallback, v.value)
		if v.fallback {
			assert.True(t, kafkaTime.Equal(rec.EventTime), v.value)
		} else {
			assert.Equal(t, time.UnixMilli(1763773323123).UTC(), rec.EventTime, v.value)
		}
		assert.Equal(t, time.UTC, rec.EventTime.Location(), v.value)
	}
	assert.Equal(t, Stats{Parsed: 2, Fallbacks: 7, Malformed: 3, Missing: 1, WrongType: 1, Unparsable: 2}, s.Stats())
	assert.Contains(t, logs.String(), "offset=42")
	assert.Contains(t, logs.String(), "level=DEBUG")
}

func TestParseConcurrent(t *testing.T) {
	s, err := New(Config{Type: TypeJSON, JSON: JSONConfig{TimeField: "ts"}}, Settings{})
	require.NoError(t, err)
	const workers, perWorker = 8, 500
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				rec := record(`{"ts":` + string(rune('1'+w)) + `000000000}`)
				if i%5 == 0 {
					rec.Value = rec.Value[:len(rec.Value)-1]
				}
				s.Parse(rec)
				want := time.Unix(int64(w+1)*1e9, 0).UTC()
				if i%5 == 0 {
					want = kafkaTime.UTC()
				}
				if !assert.Equal(t, want, rec.EventTime) {
					return
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, Stats{Parsed: workers * perWorker * 4 / 5, Fallbacks: workers * perWorker / 5,
		Malformed: workers * perWorker / 5}, s.Stats())
}

// fixedParser is a registered parser for tests.
type fixedParser struct{ err error }

func (p fixedParser) EventTime(*model.Record) (time.Time, error) {
	return time.Date(2000, 1, 1, 0, 0, 0, 0, time.FixedZone("Y", -7200)), p.err
}

// fixed builds fixedParser, ignoring its options.
func fixed(err error) func(struct{}, Settings) (Parser, error) {
	return func(struct{}, Settings) (Parser, error) { return fixedParser{err: err}, nil }
}

func TestRegister(t *testing.T) {
	errCustom := errors.New("custom")
	require.NoError(t, Register(NewFactory("test-fixed", nil, fixed(nil))))
	require.NoError(t, Register(NewFactory("test-failing", nil, fixed(errCustom))))
	require.NoError(t, Register(NewFactory("test-broken", nil, func(struct{}, Settings) (Parser, error) { return nil, errCustom })))
	require.NoError(t, Register(NewFactory("test-nil", nil, func(struct{}, Settings) (Parser, error) { return nil, nil })))
	require.ErrorIs(t, Register(NewFactory("test-fixed", nil, fixed(nil))), plugin.ErrDuplicate)
	require.ErrorIs(t, Register(NewFactory(TypeJSON, nil, fixed(nil))), plugin.ErrDuplicate)
	require.ErrorIs(t, Register(NewFactory(TypeRaw, nil, fixed(nil))), plugin.ErrDuplicate)
	require.Error(t, Register(NewFactory("", nil, fixed(nil))))
	require.Error(t, Register(nil))
	assert.Subset(t, Names(), []string{TypeRaw, TypeJSON, "test-fixed", "test-failing"})
	assert.IsNonDecreasing(t, Names())

	s, err := New(Config{Type: "test-fixed"}, Settings{})
	require.NoError(t, err)
	rec := record("anything")
	s.Parse(rec)
	assert.Equal(t, time.Date(2000, 1, 1, 2, 0, 0, 0, time.UTC), rec.EventTime)

	s, err = New(Config{Type: "test-failing"}, Settings{})
	require.NoError(t, err)
	s.Parse(rec)
	assert.True(t, rec.EventTimeFallback)
	assert.Equal(t, uint64(1), s.Stats().Unparsable, "an error wrapping no reason counts as unparsable")

	_, err = New(Config{Type: "test-broken"}, Settings{})
	require.ErrorIs(t, err, errCustom)
	_, err = New(Config{Type: "test-nil"}, Settings{})
	require.ErrorIs(t, err, ErrInvalidConfig)
	_, err = New(Config{Type: "xml"}, Settings{})
	require.ErrorIs(t, err, ErrUnknownType)
	require.ErrorContains(t, err, "json")
	_, err = New(Config{Type: TypeJSON}, Settings{})
	require.ErrorIs(t, err, ErrInvalidConfig)
	s, err = New(Config{}, Settings{})
	require.NoError(t, err)
	assert.Nil(t, s.parser, "raw reads the timestamp without a parser call")
}

func TestReasonIndexUnwraps(t *testing.T) {
	for i, r := range reasons {
		assert.Equal(t, i, reasonIndex(r))
		assert.Equal(t, i, reasonIndex(errors.Join(errors.New("context"), r)))
	}
}
