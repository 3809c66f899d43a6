package filter

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages"
)

// batch makes a batch of topic "events" partition 2 from values, at
// offsets 10, 11, ...
func batch(values ...string) *model.Batch {
	b := &model.Batch{Topic: "events", Partition: 2}
	for i, v := range values {
		r := model.Record{Topic: "events", Partition: 2, Offset: int64(10 + i), Key: []byte("k"),
			Timestamp: time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC),
			Headers:   []model.Header{{Key: "src", Value: []byte("a")}, {Key: "src", Value: []byte("web")}}}
		if v != "<nil>" {
			r.Value = []byte(v)
		}
		b.Records = append(b.Records, r)
	}
	return b
}

func offsets(b *model.Batch) []int64 {
	var out []int64
	for _, r := range b.Records {
		out = append(out, r.Offset)
	}
	return out
}

func value(r model.Record) string {
	if r.Value == nil {
		return "<nil>"
	}
	return string(r.Value)
}

func snapshot(b *model.Batch) []string {
	var out []string
	for _, r := range b.Records {
		out = append(out, fmt.Sprint(r.Offset, " ", value(r)))
	}
	return out
}

func TestProcess(t *testing.T) {
	values := []string{
		`{"level":"info","user":{"age":42}}`,
		`{"level":"debug","user":{"age":50}}`,
		`{"level":"info","user":{"age":30}}`,
		`{"user":{"age":31.5}}`, // no level: null != "debug"
	}
	tests := []struct {
		name     string
		opts     Options
		values   []string
		kept     []int64
		filtered []int64
		wantErr  string
	}{
		{name: "keep_if", opts: Options{KeepIf: `level != "debug" && user.age > 30`},
			values: values, kept: []int64{10, 13}, filtered: []int64{11, 12}},
		{name: "drop_if", opts: Options{DropIf: `level == "debug"`},
			values: values, kept: []int64{10, 12, 13}, filtered: []int64{11}},
		{name: "numbers compare across int and double", opts: Options{KeepIf: `user.age >= 31.5`},
			values: values, kept: []int64{10, 11, 13}, filtered: []int64{12}},
		{name: "metadata", opts: Options{KeepIf: `kafka.headers["src"] == "web" && kafka.offset % 2 == 1 && kafka.key == "k" && kafka.topic == "events" && kafka.partition == 2 && kafka.timestamp > timestamp("2026-01-01T00:00:00Z")`},
			values: values, kept: []int64{11, 13}, filtered: []int64{10, 12}},
		{name: "a field named kafka", opts: Options{KeepIf: `kafka.value.kafka == 1`},
			values: []string{`{"kafka":1}`, `{"kafka":2}`}, kept: []int64{10}, filtered: []int64{11}},
		{name: "optional nested field", opts: Options{KeepIf: `user.?age.orValue(0) > 30`},
			values: []string{`{"user":{}}`, `{"user":{"age":31}}`}, kept: []int64{11}, filtered: []int64{10}},
		{name: "fail names the record", opts: Options{KeepIf: `user.age > 30`, OnError: "fail"},
			values:  []string{`{"user":{"age":42}}`, `[1]`},
			wantErr: "filtering record events/2@11: value is not a JSON object: a JSON array"},
		{name: "fail on an evaluation error", opts: Options{KeepIf: `user.age > 30`, OnError: "fail"},
			values: []string{`{"user":{}}`}, wantErr: "filtering record events/2@10: evaluating \"user.age > 30\": no such key: age"},
		{name: "fail on a non-bool result", opts: Options{KeepIf: `level`, OnError: "fail"},
			values: []string{`{"level":"x"}`}, wantErr: `filtering record events/2@10: evaluating "level": got string, want a bool`},
		{name: "keep on error", opts: Options{KeepIf: `user.age > 30`, OnError: "keep"},
			values: []string{`{"user":{"age":20}}`, `<nil>`, `not json`, `{"user":{}}`}, kept: []int64{11, 12, 13}, filtered: []int64{10}},
		{name: "drop on error", opts: Options{KeepIf: `user.age > 30`, OnError: "drop"},
			values: []string{`{"user":{"age":40}}`, `<nil>`, `{"a":1} {"b":2}`}, kept: []int64{10}, filtered: []int64{11, 12}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.opts.OnError == "" {
				tt.opts.OnError = "fail"
			}
			s, err := New(tt.opts, stages.Settings{Topic: "events"})
			require.NoError(t, err)
			b := batch(tt.values...)
			before := snapshot(b)
			err = s.Process(t.Context(), b)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				assert.Equal(t, before, snapshot(b), "a failed batch is left as it was")
				assert.Zero(t, b.Filtered.Len())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.kept, offsets(b))
			var filtered []int64
			for _, o := range tt.filtered {
				if b.Filtered.Contains(o) {
					filtered = append(filtered, o)
				}
			}
			assert.Equal(t, tt.filtered, filtered)
			assert.Equal(t, len(tt.filtered), int(b.Filtered.Len()))
			for i, r := range b.Records {
				assert.Equal(t, tt.values[r.Offset-10], value(r), "record %d keeps its bytes", i)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"ok", Options{KeepIf: "a > 1", OnError: "keep"}, nil},
		{"neither", Options{OnError: "fail"}, []string{"one of keep_if and drop_if is required"}},
		{"both", Options{KeepIf: "true", DropIf: "false", OnError: "fail"}, []string{"keep_if and drop_if exclude each other"}},
		{"syntax", Options{DropIf: "a >", OnError: "fail"}, []string{"drop_if: column 4: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}"}},
		{"not a bool", Options{KeepIf: `size(name) + 1`, OnError: "fail"}, []string{"keep_if: the expression must be a boolean, got int"}},
		{"unknown function", Options{KeepIf: "now() > 1", OnError: "fail"}, []string{"keep_if: column 4: undeclared reference to 'now' (in container '')"}},
		{"on_error", Options{KeepIf: "true", OnError: "ignore"}, []string{`on_error: unknown value "ignore" (want fail, keep, drop)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, conf.Messages(tt.opts.Validate()))
		})
	}
}

func TestUnknownMetadata(t *testing.T) {
	o := Options{KeepIf: `kafka.patition == 1`, OnError: "fail"}
	assert.Equal(t, []string{`keep_if: kafka has no field "patition" (want one of key, headers, topic, partition, offset, timestamp, value)`},
		conf.Messages(o.Validate()))
}
