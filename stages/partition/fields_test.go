package partition

import (
	"encoding/json"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
)

func TestFieldTemplate(t *testing.T) {
	s, err := New(Config{Template: "{topic}/country={field:user.country|unknown}/level={field:level}/dt={yyyy}-{MM}-{dd}",
		Timezone: "Europe/Berlin"}, Settings{})
	require.NoError(t, err)
	event := time.Date(2026, 11, 21, 23, 30, 0, 0, time.UTC) // the 22nd in Berlin
	tests := []struct{ name, value, want string }{
		{"plain", `{"user":{"country":"DE"},"level":"info"}`, "events/country=DE/level=info/dt=2026-11-22"},
		{"missing", `{"level":"warn"}`, "events/country=unknown/level=warn/dt=2026-11-22"},
		{"null and empty", `{"user":{"country":null},"level":""}`,
			"events/country=unknown/level=__HIVE_DEFAULT_PARTITION__/dt=2026-11-22"},
		{"not a scalar", `{"user":{"country":["DE"]},"level":{"a":1}}`,
			"events/country=unknown/level=__HIVE_DEFAULT_PARTITION__/dt=2026-11-22"},
		{"path through a scalar", `{"user":"ada","level":3}`, "events/country=unknown/level=3/dt=2026-11-22"},
		{"numbers and bools", `{"user":{"country":1.50},"level":true}`, "events/country=1.50/level=true/dt=2026-11-22"},
		{"escaped", `{"user":{"country":"a/b=c%d:e"},"level":".."}`,
			"events/country=a%2Fb%3Dc%25d%3Ae/level=%2E%2E/dt=2026-11-22"},
		{"not JSON", `level=info`, "events/country=unknown/level=__HIVE_DEFAULT_PARTITION__/dt=2026-11-22"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &model.Record{Topic: "events", Partition: 1, Value: []byte(tt.value), EventTime: event}
			assert.Equal(t, tt.want, s.Dir(rec))
			assert.Equal(t, tt.want, s.Dir(rec), "cached")
		})
	}

	// Decoded fields (a text parser's) are read as they are.
	rec := &model.Record{Topic: "events", Value: []byte("level=debug"), EventTime: event}
	rec.SetDecoded(map[string]any{"level": "debug", "user": map[string]any{"country": "FR"}})
	assert.Equal(t, "events/country=FR/level=debug/dt=2026-11-22", s.Dir(rec))
}

func TestFormatAndEscapeValues(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{"DE", "DE"},
		{int64(-42), "-42"},
		{uint64(18446744073709551615), "18446744073709551615"},
		{1e20, "100000000000000000000"},
		{1e21, "1e+21"},
		{0.1, "0.1"},
		{math.Inf(1), "+Inf"},
		{json.Number("1.50"), "1.50"},
		{false, "false"},
		{time.Date(2026, 11, 22, 1, 2, 3, 5, time.FixedZone("X", 3600)), "2026-11-22T00%3A02%3A03.000000005Z"},
		{90 * time.Minute, "1h30m0s"},
		{[]byte("raw"), "raw"},
		{big.NewRat(3, 2), "3%2F2"},
		{"Zürich", "Zürich"},
		{"a\x00b\x7f\xffc", "a%00b%7F%FFc"},
		{`"#%'*/:=?\^[]{}`, "%22%23%25%27%2A%2F%3A%3D%3F%5C%5E%5B%5D%7B%7D"},
		{".", "%2E"},
		{"...", "..."},
		{"a b+c", "a b+c"},
		{strings.Repeat("é", 100), strings.Repeat("é", 64)}, // cut at 128 bytes
		{strings.Repeat("x", 127) + "é", strings.Repeat("x", 127)},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, string(appendFieldValue(nil, tt.v, true, "d")), "%#v", tt.v)
	}
	for _, v := range []any{nil, "", map[string]any{}, []any{"a"}, (*big.Rat)(nil), struct{}{}} {
		assert.Equal(t, "d", string(appendFieldValue(nil, v, true, "d")), "%#v", v)
	}
	assert.Equal(t, "d", string(appendFieldValue(nil, "x", false, "d")), "missing")

	s, err := New(Config{Template: "{field:a|n/a}"}, Settings{})
	require.NoError(t, err)
	assert.Equal(t, "n%2Fa", s.Dir(&model.Record{Value: []byte(`{}`)}), "defaults are escaped too")
}

func TestOffsetPartitioner(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Type = TypeOffset
	cfg.Options = conf.OptionsOf(&OffsetOptions{Size: 1000})
	require.NoError(t, cfg.Validate())
	s, err := New(cfg, Settings{})
	require.NoError(t, err)
	for offset, want := range map[int64]string{0: "logs/offset=0", 999: "logs/offset=0", 1000: "logs/offset=1000",
		123456789: "logs/offset=123456000"} {
		for range 2 { // the second from the cache
			assert.Equal(t, want, s.Dir(&model.Record{Topic: "logs", Partition: 2, Offset: offset}), "offset %d", offset)
		}
	}
	assert.Equal(t, "other/offset=0", s.Dir(&model.Record{Topic: "other", Partition: 2, Offset: 5}))

	for _, size := range []int64{0, -1} {
		cfg.Options = conf.OptionsOf(&OffsetOptions{Size: size})
		assert.Equal(t, []string{"options.size: must be positive, got " + map[int64]string{0: "0", -1: "-1"}[size] +
			" (offsets per directory, e.g. 1000000)"}, conf.Messages(cfg.Validate()))
	}
	cfg.Options = conf.Options{}
	assert.NotEmpty(t, conf.Messages(cfg.Validate()), "size is required")
}

// FuzzFieldDir: any value gives a clean relative path: no empty, "." or
// ".." segment, valid UTF-8, nothing the template does not put there.
func FuzzFieldDir(f *testing.F) {
	for _, seed := range []string{`{"a":"x/y"}`, `{"a":".."}`, `{"a":"\u0000"}`, `{"a":{"b":1}}`, "{\"a\":\"\xff\"}", `{"a":1e400}`} {
		f.Add([]byte(seed))
	}
	s, err := New(Config{Template: "{topic}/a={field:a}/b={field:a.b|none}"}, Settings{})
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, value []byte) {
		dir := s.Dir(&model.Record{Topic: "t", Value: value})
		require.NoError(t, checkPath(dir), dir)
		parts := strings.Split(dir, "/")
		require.Len(t, parts, 3, dir)
		require.True(t, strings.HasPrefix(parts[1], "a=") && strings.HasPrefix(parts[2], "b="), dir)
		require.True(t, len(parts[1]) > 2 && len(parts[2]) > 2, dir)
		require.True(t, strings.ToValidUTF8(dir, "?") == dir, dir)
	})
}
