package recordexpr

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
)

func record(value string) *model.Record {
	return &model.Record{Topic: "t", Partition: 4, Offset: 9, Key: nil, Value: []byte(value),
		Timestamp: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)),
		Headers:   []model.Header{{Key: "h", Value: []byte("1")}, {Key: "h", Value: []byte("2")}}}
}

func TestEvalBool(t *testing.T) {
	value := `{"i":42,"f":1.0,"big":123456789012345678901234567890,"s":"x","n":null,"kafka":"mine","a":[1,2.5]}`
	for _, src := range []string{
		`i == 42 && i > 41.5 && i < 43u`,
		`f == 1 && f >= 1 && f * 2.0 == 2.0`,
		`big > 1e29`,
		`missing == null && n == null && s != null`,
		`kafka.key == null && kafka.headers.h == "2" && kafka.topic == "t" && kafka.partition == 4 && kafka.offset == 9`,
		`kafka.timestamp == timestamp("2026-01-02T02:04:05Z")`,
		`kafka.value.kafka == "mine" && kafka.value["s"] == "x" && size(kafka.value) == 7`,
		`a.exists(x, x > 2) && a[1] == 2.5 && 1 in a && !(2 in a)`,
		`s.upperAscii() == "X"`,
	} {
		t.Run(src, func(t *testing.T) {
			p, err := Compile(src, true)
			require.NoError(t, err)
			ok, err := p.EvalBool(record(value))
			require.NoError(t, err)
			assert.True(t, ok)
		})
	}
}

func TestEvalJSON(t *testing.T) {
	tests := []struct {
		src  string
		want string
	}{
		{`i + 1`, `43`},
		{`f * 3.0`, `3`},
		{`0.1 + 0.2`, `0.30000000000000004`},
		{`obj`, `{"n":1.50,"z":[1e3]}`},
		{`obj.n`, `1.5`}, // a number alone is read as a double
		{`s + "y"`, `"xy"`},
		{`[obj.z, {"k": i}]`, `[[1e3],{"k":42}]`},
		{`kafka.timestamp`, `"2026-01-02T02:04:05Z"`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p, err := Compile(tt.src, false)
			require.NoError(t, err)
			v, err := p.EvalJSON(record(`{"i":42,"f":1.0,"s":"x","obj":{"n":1.50,"z":[1e3]}}`))
			require.NoError(t, err)
			got, err := json.Marshal(v)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
	p, err := Compile(`1.0 / 0.0`, false)
	require.NoError(t, err)
	_, err = p.EvalJSON(record(`{}`))
	assert.ErrorContains(t, err, "+Inf is not a JSON number")
}

// TestCopies: a value set from a part of the record shares nothing with it.
func TestCopies(t *testing.T) {
	p, err := Compile(`obj`, false)
	require.NoError(t, err)
	r := record(`{"obj":{"a":[1]}}`)
	v, err := p.EvalJSON(r)
	require.NoError(t, err)
	v.(map[string]any)["a"].([]any)[0] = "changed"
	got, _ := r.Field("obj")
	assert.Equal(t, json.Number("1"), got.(map[string]any)["a"].([]any)[0])
}

// TestConcurrent: one Program serves many goroutines (run with -race).
func TestConcurrent(t *testing.T) {
	p, err := Compile(`i % 2 == 0 && kafka.offset == 9`, true)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				ok, err := p.EvalBool(record(`{"i":2}`))
				assert.NoError(t, err)
				assert.True(t, ok)
			}
		})
	}
	wg.Wait()
}
