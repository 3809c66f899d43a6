package model

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRecordFields(t *testing.T) {
	r := Record{Value: []byte(`{"user":{"email":"a@b.c","id":12345678901234567890},"level":"info"}`)}
	v, ok := r.Field("user.email")
	assert.True(t, ok)
	assert.Equal(t, "a@b.c", v)
	assert.False(t, r.Changed())
	assert.NoError(t, r.Sync())
	assert.Contains(t, string(r.Value), `"level":"info"`, "an unchanged record keeps its bytes")

	assert.NoError(t, r.SetField("user.email", "<redacted>"))
	assert.True(t, r.DeleteField("level"))
	assert.False(t, r.DeleteField("nope.nope"))
	assert.NoError(t, r.SetField("meta.source", "sluice"))
	assert.Error(t, r.SetField("user.email.x", 1), "a string is not an object")
	assert.NoError(t, r.Sync())
	assert.Equal(t, `{"meta":{"source":"sluice"},"user":{"email":"<redacted>","id":12345678901234567890}}`, string(r.Value))

	for _, bad := range []string{``, `[1]`, `null`, `{"a":1} x`, `not json`} {
		r := Record{Value: []byte(bad)}
		_, err := r.Fields()
		assert.ErrorIs(t, err, ErrNotObject, bad)
	}
	tomb := Record{}
	_, err := tomb.Fields()
	assert.ErrorIs(t, err, ErrNotObject)
}

func TestRecordFieldsKeepValues(t *testing.T) {
	r := Record{Value: []byte(`{"s":"a\"b\u00e9\n","n":-1.50e3,"big":123456789012345678901234567890,"t":true,"f":false,"z":null,` +
		`"arr":[1,"x",{"k":[]}],"dup":1,"dup":2}`)}
	m, err := r.Fields()
	assert.NoError(t, err)
	assert.Equal(t, "a\"bé\n", m["s"])
	assert.Equal(t, "-1.50e3", string(m["n"].(json.Number)), "numbers keep their text")
	assert.Equal(t, "123456789012345678901234567890", string(m["big"].(json.Number)))
	assert.Equal(t, true, m["t"])
	assert.Equal(t, false, m["f"])
	assert.Nil(t, m["z"])
	assert.Contains(t, m, "z")
	assert.Equal(t, []any{json.Number("1"), "x", map[string]any{"k": []any{}}}, m["arr"])
	assert.Equal(t, json.Number("2"), m["dup"], "a repeated key keeps its last value")
}

func BenchmarkFields(b *testing.B) {
	v := []byte(`{"id":"8f2c1e4a77b14c2e","ts":1795309800000,"event":"page_view","user":12345,"name":"alice",` +
		`"country":"DE","price":123.45,"pad":"qwertyuiop asdfghjkl zxcvbnm qwertyuiop asdfghjkl zxcvbnm qwertyuiop"}`)
	b.ReportAllocs()
	for b.Loop() {
		r := Record{Value: v}
		if _, err := r.Fields(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRecordSetDecoded: fields a text parser read leave the value as it is
// until a stage changes them.
func TestRecordSetDecoded(t *testing.T) {
	r := Record{Value: []byte("level=info msg=hi")}
	r.SetDecoded(map[string]any{"level": "info", "msg": "hi"})
	v, ok := r.Field("level")
	assert.True(t, ok)
	assert.Equal(t, "info", v)
	assert.False(t, r.Changed())
	assert.NoError(t, r.Sync())
	assert.Equal(t, "level=info msg=hi", string(r.Value), "the line is archived as it is")

	assert.NoError(t, r.SetField("msg", "<redacted>"))
	assert.NoError(t, r.Sync())
	assert.Equal(t, `{"level":"info","msg":"<redacted>"}`, string(r.Value), "changed fields are re-encoded")
}

// A stage after the parser rejecting a record before one the parser
// rejected keeps Rejected in offset order.
func TestRejectKeepsOffsetOrder(t *testing.T) {
	b := &Batch{}
	for o := range int64(6) {
		b.Records = append(b.Records, Record{Offset: o})
	}
	b.Reject(func(r *Record) error {
		if r.Offset == 4 {
			return errors.New("parser")
		}
		return nil
	})
	b.Reject(func(r *Record) error {
		if r.Offset == 1 || r.Offset == 5 {
			return errors.New("later stage")
		}
		return nil
	})
	var got []int64
	for _, r := range b.Rejected {
		got = append(got, r.Record.Offset)
	}
	if want := []int64{1, 4, 5}; !slices.Equal(got, want) {
		t.Fatalf("rejected %v, want %v", got, want)
	}
}
