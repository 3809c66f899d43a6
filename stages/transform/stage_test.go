package transform

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages"
)

func batch(values ...string) *model.Batch {
	b := &model.Batch{Topic: "events", Partition: 1}
	for i, v := range values {
		r := model.Record{Topic: "events", Partition: 1, Offset: int64(100 + i),
			Headers: []model.Header{{Key: "source", Value: []byte("web")}}}
		if v != "<nil>" {
			r.Value = []byte(v)
		}
		b.Records = append(b.Records, r)
	}
	return b
}

func values(b *model.Batch) []string {
	var out []string
	for _, r := range b.Records {
		if r.Value == nil {
			out = append(out, "<nil>")
		} else {
			out = append(out, string(r.Value))
		}
	}
	return out
}

func mac(key, s string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil))
}

func TestProcess(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		values   []string
		want     []string
		filtered int64
		wantErr  string
	}{
		{name: "set",
			opts:   Options{Set: map[string]string{"cents": "int(price * 100.0)", "src": `kafka.headers["source"]`, "meta.n": "size(tags)", "copy": "user"}},
			values: []string{`{"price":1.5,"tags":["a","b"],"user":{"id":1.50}}`},
			want:   []string{`{"cents":150,"copy":{"id":1.50},"meta":{"n":2},"price":1.5,"src":"web","tags":["a","b"],"user":{"id":1.50}}`}},
		{name: "sets see the record as it came",
			opts:   Options{Set: map[string]string{"a": "b", "b": "a"}},
			values: []string{`{"a":1,"b":2}`},
			want:   []string{`{"a":2,"b":1}`}},
		{name: "set values of every kind",
			opts:   Options{Set: map[string]string{"d": "duration('90s')", "t": "timestamp('2026-11-22T01:00:00+02:00')", "l": "[1, 2.5, 'x', null]", "m": "{'k': true}", "u": "7u", "o": "x.?y", "p": "optional.of(1)"}},
			values: []string{`{"x":{}}`},
			want:   []string{`{"d":"1m30s","l":[1,2.5,"x",null],"m":{"k":true},"o":null,"p":1,"t":"2026-11-21T23:00:00Z","u":7,"x":{}}`}},
		{name: "rename, drop, untouched records keep their bytes",
			opts:   Options{Rename: map[string]string{"usr": "user", "a.b": "c"}, Drop: []string{"debug", "user.password"}},
			values: []string{`{"usr":{"name":"x","password":"p"},"debug":1,"a":{"b":2}}`, `{ "other" : 1.0 }`},
			want:   []string{`{"a":{},"c":2,"user":{"name":"x"}}`, `{ "other" : 1.0 }`}},
		{name: "redact",
			opts: Options{Redact: map[string]Redaction{
				"email": {Method: Hash, Key: "k3y"}, "n": {Method: Hash, Key: "k3y"},
				"card": {Method: Mask, KeepLast: 4}, "name": {Method: Mask, KeepFirst: 1, KeepLast: 1, Char: "#"}, "pin": {Method: Mask, KeepFirst: 2, KeepLast: 2}}},
			values: []string{`{"email":"a@b.c","n":12.0,"card":"4111111111111111","name":"Jürgen","pin":"1234"}`},
			want: []string{`{"card":"************1111","email":"` + mac("k3y", "a@b.c") + `","n":"` + mac("k3y", "12.0") +
				`","name":"J####n","pin":"****"}`}},
		{name: "order: set, rename, drop, redact",
			opts:   Options{Set: map[string]string{"x": "'v'"}, Rename: map[string]string{"x": "y"}, Drop: []string{"z"}, Redact: map[string]Redaction{"y": {Method: Mask}}},
			values: []string{`{"z":1}`},
			want:   []string{`{"y":"*"}`}},
		{name: "fail names the record",
			opts:    Options{Set: map[string]string{"a": "b + 1"}},
			values:  []string{`{"b":1}`, `{"b":"s"}`},
			wantErr: `transforming record events/1@101: evaluating "b + 1": no such overload`},
		{name: "fail on a path through a non-object, before any change",
			opts:    Options{Set: map[string]string{"x": "1", "a.b": "2"}},
			values:  []string{`{"a":3}`},
			wantErr: `transforming record events/1@100: setting "a.b": "a" holds a json.Number, not an object`},
		{name: "keep on error",
			opts:   Options{Set: map[string]string{"x": "1", "a.b": "2"}, OnError: "keep"},
			values: []string{`{"a":3}`, `<nil>`, `{"a":{}}`},
			want:   []string{`{"a":3}`, `<nil>`, `{"a":{"b":2},"x":1}`}},
		{name: "drop on error",
			opts:   Options{Rename: map[string]string{"a": "b.c"}, OnError: "drop"},
			values: []string{`{"a":1,"b":true}`, `[]`, `{"a":1}`},
			want:   []string{`{"b":{"c":1}}`}, filtered: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.opts.OnError == "" {
				tt.opts.OnError = "fail"
			}
			s, err := New(tt.opts, stages.Settings{Topic: "events"})
			require.NoError(t, err)
			b := batch(tt.values...)
			err = s.Process(t.Context(), b)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, values(b))
			assert.Equal(t, tt.filtered, b.Filtered.Len())
		})
	}
}

// TestDeterministic: the same batch through the stage twice gives the same
// bytes.
func TestDeterministic(t *testing.T) {
	s, err := New(Options{
		Set:    map[string]string{"total": "double(qty) * price", "k": "kafka.offset", "when": "kafka.timestamp"},
		Rename: map[string]string{"u": "user"}, Drop: []string{"pad"},
		Redact:  map[string]Redaction{"user.email": {Method: Hash, Key: "s"}, "user.phone": {Method: Mask, KeepLast: 2}},
		OnError: "fail",
	}, stages.Settings{})
	require.NoError(t, err)
	in := []string{}
	for range 50 {
		in = append(in, `{"qty":3,"price":0.1,"u":{"email":"e@x.io","phone":"+4912345","z":{"b":1,"a":2}},"pad":"xx","c":1e3}`)
	}
	var outs [2][]string
	for i := range outs {
		b := batch(in...)
		require.NoError(t, s.Process(t.Context(), b))
		outs[i] = values(b)
	}
	assert.Equal(t, outs[0], outs[1])
	assert.Equal(t, `{"c":1e3,"k":100,"price":0.1,"qty":3,"total":0.30000000000000004,"user":{"email":"`+mac("s", "e@x.io")+
		`","phone":"******45","z":{"a":2,"b":1}},"when":"0001-01-01T00:00:00Z"}`, outs[0][0])
}

// TestRedactionLeavesNothing: the original value appears nowhere in the
// redacted record, whatever its kind.
func TestRedactionLeavesNothing(t *testing.T) {
	secret := "s3cr3t-v4lue@example.com"
	for _, method := range []string{Hash, Mask} {
		t.Run(method, func(t *testing.T) {
			s, err := New(Options{Redact: map[string]Redaction{
				"a": {Method: method, Key: "k"}, "b.c": {Method: method, Key: "k"}, "d": {Method: method, Key: "k"},
			}, OnError: "fail"}, stages.Settings{})
			require.NoError(t, err)
			b := batch(`{"a":"` + secret + `","b":{"c":"` + secret + `"},"d":["` + secret + `"]}`)
			require.NoError(t, s.Process(t.Context(), b))
			assert.NotContains(t, string(b.Records[0].Value), secret)
			assert.NotContains(t, string(b.Records[0].Value), "s3cr3t")
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"ok", Options{Drop: []string{"a"}, OnError: "fail"}, nil},
		{"nothing", Options{OnError: "fail"}, []string{"nothing to do: set one of set, rename, drop, redact"}},
		{"bad expression", Options{Set: map[string]string{"a": "x +", "b": "y.z()"}, OnError: "fail"}, []string{
			"set.a: column 4: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}",
			"set.b: column 4: undeclared reference to 'z' (in container '')"}},
		{"paths", Options{Set: map[string]string{"a..b": "1"}, Drop: []string{"x", ".y"}, OnError: "fail"}, []string{
			`set.a..b: path "a..b" has an empty key`, `drop[1]: path ".y" has an empty key`}},
		{"overlap", Options{Set: map[string]string{"user": "1"}, Rename: map[string]string{"a": "user.name"}, OnError: "fail"}, []string{
			`the paths "user" and "user.name" of set and rename overlap`}},
		{"same target", Options{Set: map[string]string{"b": "1"}, Rename: map[string]string{"a": "b"}, OnError: "fail"}, []string{
			`the paths "b" and "b" of set and rename overlap`}},
		{"a renamed field set before", Options{Set: map[string]string{"a": "1"}, Rename: map[string]string{"a": "b"}, OnError: "fail"}, nil},
		{"redactions", Options{Redact: map[string]Redaction{
			"a": {Method: Hash}, "b": {Method: Mask, KeepFirst: -1, Char: "**"}, "c": {Method: "rot13"}}, OnError: "stop"}, []string{
			`redact.a.key: required for hash (a secret, e.g. "${REDACT_KEY}")`,
			"redact.b.keep_first: must not be negative, got -1", `redact.b.char: must be one character, got "**"`,
			`redact.c.method: unknown method "rot13" (want hash, mask)`,
			`on_error: unknown value "stop" (want fail, keep, drop)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, conf.Messages(tt.opts.Validate()))
		})
	}
}
