package main

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

func mac(key, s string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil))
}

func TestRedact(t *testing.T) {
	hashed := redactOptions{Fields: []string{"user", "client.ip", "n", "gone"}, Emails: true, Method: methodHash, Key: "k3y"}
	masked := redactOptions{Fields: []string{"user"}, Emails: true, Method: methodMask}
	tests := []struct {
		name  string
		opts  redactOptions
		value string // "<nil>" for a tombstone
		want  string
	}{
		{name: "hash fields and addresses anywhere", opts: hashed,
			value: `{"user":"ada","n":7,"client":{"ip":"10.0.0.7"},"msg":"mail ada@example.com, bob@mail.example.org","to":["x","c.d+e@ex.io"],"level":"info"}`,
			want: `{"client":{"ip":"` + mac("k3y", "10.0.0.7") + `"},"level":"info","msg":"mail ` + mac("k3y", "ada@example.com") + `, ` +
				mac("k3y", "bob@mail.example.org") + `","n":"` + mac("k3y", "7") + `","to":["x","` + mac("k3y", "c.d+e@ex.io") + `"],"user":"` + mac("k3y", "ada") + `"}`},
		{name: "mask", opts: masked, value: `{"user":"ada","email":"ada@example.com","z":null}`,
			want: `{"email":"***@example.com","user":"***","z":null}`},
		{name: "no PII keeps the exact bytes", opts: hashed, value: `{"level": "info",  "n":null}`, want: `{"level": "info",  "n":null}`},
		{name: "text value: addresses in the bytes", opts: masked, value: `oops ada@example.com and ada@example.com.`,
			want: `oops ***@example.com and ***@example.com.`},
		{name: "text value, hash", opts: hashed, value: `[1,"ada@example.com"]`, want: `[1,"` + mac("k3y", "ada@example.com") + `"]`},
		{name: "emails off", opts: redactOptions{Fields: []string{"user"}, Method: methodMask},
			value: `{"user":"ada@example.com","msg":"ada@example.com"}`, want: `{"msg":"ada@example.com","user":"***"}`},
		{name: "tombstone", opts: hashed, value: "<nil>", want: "<nil>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := newRedactor(tt.opts, stages.Settings{Topic: "logs"})
			require.NoError(t, err)
			rec := model.Record{Topic: "logs", Offset: 5}
			if tt.value != "<nil>" {
				rec.Value = []byte(tt.value)
			}
			b := &model.Batch{Topic: "logs", Records: []model.Record{rec}}
			require.NoError(t, st.Process(t.Context(), b))
			require.Len(t, b.Records, 1, "the stage drops nothing")
			require.NoError(t, b.Records[0].Sync())
			got := "<nil>"
			if b.Records[0].Value != nil {
				got = string(b.Records[0].Value)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestRedactLeavesTheInput: a value that aliases the consumer's buffer is
// replaced, never written over.
func TestRedactLeavesTheInput(t *testing.T) {
	in := []byte(`to ada@example.com`)
	st, err := newRedactor(defaultRedactOptions(), stages.Settings{})
	require.NoError(t, err)
	b := &model.Batch{Records: []model.Record{{Value: in}}}
	require.NoError(t, st.Process(t.Context(), b))
	assert.Equal(t, `to ***@example.com`, string(b.Records[0].Value))
	assert.Equal(t, `to ada@example.com`, string(in))
}

func TestRedactOptionsValidate(t *testing.T) {
	def := defaultRedactOptions()
	require.NoError(t, def.Validate())
	tests := []struct {
		opts redactOptions
		want []string
	}{
		{redactOptions{Method: methodHash}, []string{
			`: nothing to redact: list fields, or leave emails on`,
			`key: required for hash: a secret from the environment, e.g. "${PII_KEY}"`}},
		{redactOptions{Fields: []string{"a..b"}, Emails: true, Method: methodMask, Key: "k"}, []string{
			`fields[0]: "a..b" has an empty key`, `key: only the hash method takes a key`}},
		{redactOptions{Emails: true, Method: "rot13"}, []string{`method: unknown method "rot13" (want hash, mask)`}},
	}
	for _, tt := range tests {
		var got []string
		for _, fe := range conf.List(tt.opts.Validate()) {
			got = append(got, fe.Path+": "+fe.Err.Error())
		}
		assert.Equal(t, tt.want, got)
	}
}

func TestSecretIsNotPrinted(t *testing.T) {
	v, err := secret("s3cr3t").MarshalYAML()
	require.NoError(t, err)
	assert.Equal(t, "[REDACTED]", v)
}
