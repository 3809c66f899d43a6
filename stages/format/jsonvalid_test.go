package format

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// validJSON is validJSONNested counting the brackets itself.
func validJSON(v []byte) bool {
	return validJSONNested(v, bytes.Count(v, []byte{'['})+bytes.Count(v, []byte{'{'}))
}

// validJSONNested agrees with encoding/json.Valid, whichever validator it uses.
func TestValidJSONAgreesWithEncodingJSON(t *testing.T) {
	deep := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	cases := []string{
		`{}`, `[]`, `0`, `-0`, `1e400`, `01`, `1.`, `.5`, `-`, `+1`, `1e`, `1E+2`,
		`"a"`, `"\u00e9"`, `"\u12"`, `"\x"`, "\"tab\there\"", `"\/"`, `true`, `tru`, `nul`,
		`{"a":1,}`, `[1,]`, `{"a" 1}`, `{"a":1}{}`, `{"a":[1,{"b":null}]}`, `[[[[]]]]`,
		`{"k":"v"} `, ` 1`, `"unterminated`, `{"a":"\ud800"}`, "\"bad utf8 \xff\"",
		deep, deep[:len(deep)-1], strings.Repeat(`{"a":`, 600) + `1` + strings.Repeat(`}`, 600),
	}
	for _, c := range cases {
		assert.Equal(t, json.Valid([]byte(c)), validJSON([]byte(c)), "%.40q", c)
	}
}

func BenchmarkValidJSON(b *testing.B) {
	v := []byte(`{"id":"9f2c","ts":1790000000000,"event":"page_view","user":123456,"name":"alice",` +
		`"country":"DE","price":12.34,"pad":"chrome checkout cart product search home login settings orders"}`)
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			json.Valid(v)
		}
	})
	b.Run("validJSON", func(b *testing.B) {
		for b.Loop() {
			validJSON(v)
		}
	})
}
