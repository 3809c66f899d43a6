package schema_test

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/schema"
)

func compile(t *testing.T, text string) *schema.Declared {
	t.Helper()
	var cfg schema.Config
	require.NoError(t, yaml.Unmarshal([]byte(text), &cfg))
	require.NoError(t, cfg.Validate())
	d, err := schema.Compile(cfg)
	require.NoError(t, err)
	return d
}

func TestConfigInferAndFields(t *testing.T) {
	var c schema.Config
	require.NoError(t, yaml.Unmarshal([]byte(`infer`), &c))
	assert.Equal(t, schema.ModeInfer, c.Mode)
	require.NoError(t, yaml.Unmarshal([]byte(`{fields: [{name: a, type: string}]}`), &c))
	assert.Equal(t, schema.ModeDeclared, c.Mode)
	require.Error(t, yaml.Unmarshal([]byte(`guess`), &c))
}

// TestValidateReportsEveryProblem: each problem with its path, all at once.
func TestValidateReportsEveryProblem(t *testing.T) {
	var c schema.Config
	require.NoError(t, yaml.Unmarshal([]byte(`
fields:
  - {name: 1a, type: string}
  - {name: b, type: strng}
  - {name: c, type: decimal, precision: 40, scale: 41}
  - {name: d, type: timestamp, unit: days, format: layout}
  - {name: e, type: struct}
  - {name: f, type: list, items: {type: int64, path: x}}
  - {name: B, type: int64}
  - {name: g, type: date, zone: Mars/Olympus}
  - {name: h, type: string, path: "a..b"}
`), &c))
	var paths []string
	for _, fe := range conf.List(c.Validate()) {
		paths = append(paths, fe.Path)
	}
	assert.ElementsMatch(t, []string{"fields[0].name", "fields[1].type", "fields[2].precision", "fields[2].scale",
		"fields[3].unit", "fields[3].layout", "fields[4].fields", "fields[5].items.path", "fields[6].name",
		"fields[7].zone", "fields[8].path"}, paths)
}

func TestFromJSON(t *testing.T) {
	d := compile(t, `
fields:
  - {name: n, type: int64, nullable: false}
  - {name: small, type: int32}
  - {name: f, type: float64}
  - {name: s, type: string}
  - {name: b, type: bool}
  - {name: amount, type: decimal, precision: 6, scale: 2, path: pay.amount}
  - {name: ts, type: timestamp, unit: ms}
  - {name: local, type: timestamp, format: iso8601, zone: Europe/Paris}
  - {name: custom, type: timestamp, format: layout, layout: "02/01/2006 15:04"}
  - {name: day, type: date}
  - {name: raw, type: json}
  - {name: bin, type: binary}
  - {name: l, type: list, items: {type: int64}}
  - {name: m, type: map, values: {type: string}}
  - {name: st, type: struct, fields: [{name: x, type: int64, nullable: false}]}
`)
	got, err := d.FromJSON([]byte(`{"n":1e3,"small":"7","f":"2.5","s":12,"b":"true","pay":{"amount":"1234.5"},
		"ts":1795300000123,"local":"2026-07-01T12:00:00","custom":"22/11/2026 01:02","day":"2026-11-22",
		"raw":{"a":[1,2]},"bin":"hé","l":[1,2],"m":{"k":"v"},"st":{"x":3,"y":4},"ignored":true}`))
	require.NoError(t, err)
	assert.Equal(t, int64(1000), got["n"])
	assert.Equal(t, int64(7), got["small"])
	assert.Equal(t, 2.5, got["f"])
	assert.Equal(t, "12", got["s"])
	assert.Equal(t, true, got["b"])
	assert.Equal(t, 0, got["amount"].(*big.Rat).Cmp(big.NewRat(12345, 10)))
	assert.Equal(t, time.UnixMilli(1795300000123).UTC(), got["ts"])
	assert.Equal(t, time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC), got["local"], "Paris is UTC+2 in July")
	assert.Equal(t, time.Date(2026, 11, 22, 1, 2, 0, 0, time.UTC), got["custom"])
	assert.Equal(t, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), got["day"])
	assert.Equal(t, `{"a":[1,2]}`, got["raw"])
	assert.Equal(t, []byte("hé"), got["bin"])
	assert.Equal(t, []any{int64(1), int64(2)}, got["l"])
	assert.Equal(t, map[string]any{"k": "v"}, got["m"])
	assert.Equal(t, map[string]any{"x": int64(3)}, got["st"])
	assert.NotContains(t, got, "ignored")
	require.NoError(t, schema.Check(d.Schema(), got), "what FromJSON makes passes Check")
}

// TestFromJSONRejects: values that do not fit fail with the field's path.
func TestFromJSONRejects(t *testing.T) {
	d := compile(t, `
fields:
  - {name: n, type: int64, nullable: false}
  - {name: small, type: int32}
  - {name: amount, type: decimal, precision: 4, scale: 2}
  - {name: ts, type: timestamp}
  - {name: s, type: string}
  - {name: l, type: list, items: {type: int64}}
  - {name: st, type: struct, fields: [{name: x, type: int64, nullable: false}]}
`)
	for value, want := range map[string]string{
		`[1]`:                                "not a JSON object",
		`{"small":1}`:                        "field n: missing",
		`{"n":1.5}`:                          "field n: want an integer",
		`{"n":"x"}`:                          "field n: want an integer",
		`{"n":1,"small":3000000000}`:         "field small: 3000000000 does not fit in an int32",
		`{"n":1,"amount":123.4}`:             "field amount: 123.4 does not fit decimal(4,2)",
		`{"n":1,"amount":1.234}`:             "field amount: 1.234 does not fit decimal(4,2)",
		`{"n":1,"ts":"yesterday"}`:           "field ts: \"yesterday\" is not a time",
		`{"n":1,"s":{"a":1}}`:                "field s: want a string, have a JSON object",
		`{"n":1,"l":[1,"x"]}`:                "field l: [1]: want an integer",
		`{"n":1,"st":{"y":1}}`:               "field st: x: missing",
		`{"n":1,"ts":253402300800000000000}`: "outside the years 1 to 9999",
	} {
		_, err := d.FromJSON([]byte(value))
		require.Error(t, err, value)
		assert.Contains(t, err.Error(), want, value)
	}
}

// TestFromFieldsTypesText: a text parser's strings take the declared types.
func TestFromFieldsTypesText(t *testing.T) {
	d := compile(t, `{fields: [{name: level, type: string}, {name: ms, type: int64}, {name: ok, type: bool}, {name: at, type: timestamp}]}`)
	got, err := d.FromFields(map[string]any{"level": "info", "ms": "42", "ok": "false", "at": "2026-11-22T01:02:03Z"})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"level": "info", "ms": int64(42), "ok": false,
		"at": time.Date(2026, 11, 22, 1, 2, 3, 0, time.UTC)}, got)
	_, err = d.FromFields(map[string]any{"ms": "forty"})
	require.ErrorContains(t, err, "field ms")
}

// TestDeclaredIDIsStable: the same declaration gives the same ID, another
// declaration another.
func TestDeclaredIDIsStable(t *testing.T) {
	a := compile(t, `{fields: [{name: a, type: string}]}`)
	b := compile(t, `{fields: [{name: a, type: string}]}`)
	c := compile(t, `{fields: [{name: a, type: int64}]}`)
	assert.Equal(t, a.Schema().ID, b.Schema().ID)
	assert.NotEqual(t, a.Schema().ID, c.Schema().ID)
	assert.True(t, strings.HasPrefix(a.Schema().ID, "declared:"))
}

// TestCheck: typed values are checked against their Arrow types, deep.
func TestCheck(t *testing.T) {
	s := &model.Schema{ID: "t", Fields: []arrow.Field{
		{Name: "i", Type: arrow.PrimitiveTypes.Int32},
		{Name: "req", Type: arrow.BinaryTypes.String},
		{Name: "d", Type: &arrow.Decimal128Type{Precision: 3, Scale: 1}, Nullable: true},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
		{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.FixedWidthTypes.Boolean), Nullable: true},
	}}
	ok := map[string]any{"i": int64(5), "req": "x", "d": big.NewRat(5, 2), "l": []any{int64(1), nil}, "m": map[string]any{"a": true}}
	require.NoError(t, schema.Check(s, ok))
	for name, bad := range map[string]map[string]any{
		"int too wide": {"i": int64(1 << 40), "req": "x"},
		"int as int":   {"i": 5, "req": "x"},
		"missing":      {"i": int64(1)},
		"decimal":      {"i": int64(1), "req": "x", "d": big.NewRat(1, 3)},
		"list item":    {"i": int64(1), "req": "x", "l": []any{"1"}},
		"map value":    {"i": int64(1), "req": "x", "m": map[string]any{"a": "yes"}},
	} {
		assert.Error(t, schema.Check(s, bad), name)
	}
}

// FuzzFromJSON: no input panics the declared schema's decoding, and what
// it returns passes Check.
func FuzzFromJSON(f *testing.F) {
	for _, s := range []string{`{"n":1}`, `{"n":"1e400"}`, `{"ts":-1e30,"l":[[]]}`, `{"m":{"":null}}`, `nul`, `{"amount":"1/3"}`} {
		f.Add([]byte(s))
	}
	var cfg schema.Config
	if err := yaml.Unmarshal([]byte(`
fields:
  - {name: n, type: int64}
  - {name: amount, type: decimal, precision: 10, scale: 3}
  - {name: ts, type: timestamp, unit: ns}
  - {name: day, type: date}
  - {name: l, type: list, items: {type: float32}}
  - {name: m, type: map, values: {type: json}}
  - {name: st, type: struct, fields: [{name: x, type: bool}]}
`), &cfg); err != nil {
		f.Fatal(err)
	}
	d, err := schema.Compile(cfg)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, value []byte) {
		got, err := d.FromJSON(value)
		if err != nil {
			return
		}
		if err := schema.Check(d.Schema(), got); err != nil {
			t.Fatalf("FromJSON(%q) = %v, which Check refuses: %v", value, got, err)
		}
	})
}

// TestFromJSONSchema: a JSON Schema document becomes declared fields in its
// order, with types, required fields not nullable, refs resolved, and what
// has no column type kept as JSON text.
func TestFromJSONSchema(t *testing.T) {
	cfg, err := schema.FromJSONSchema([]byte(`{
	  "$schema": "http://json-schema.org/draft-07/schema#",
	  "type": "object",
	  "definitions": {"addr": {"type": "object", "properties": {"city": {"type": "string"}}}},
	  "properties": {
	    "id": {"type": "integer"},
	    "at": {"type": "string", "format": "date-time"},
	    "day": {"type": "string", "format": "date"},
	    "price": {"type": ["number", "null"]},
	    "ok": {"type": "boolean"},
	    "kind": {"enum": ["a", "b"]},
	    "addr": {"$ref": "#/definitions/addr"},
	    "tags": {"type": "array", "items": {"type": "string"}},
	    "attrs": {"type": "object", "additionalProperties": {"type": "integer"}},
	    "any": {"anyOf": [{"type": "string"}, {"type": "integer"}]}
	  },
	  "required": ["id", "at"]
	}`))
	require.NoError(t, err)
	require.NoError(t, cfg.Validate())
	var got []string
	for _, f := range cfg.Fields {
		nullable := f.Nullable == nil || *f.Nullable
		got = append(got, fmt.Sprintf("%s:%s:%v", f.Name, f.Type, nullable))
	}
	assert.Equal(t, []string{"id:int64:false", "at:timestamp:false", "day:date:true", "price:float64:true", "ok:bool:true",
		"kind:string:true", "addr:struct:true", "tags:list:true", "attrs:map:true", "any:json:true"}, got)
	d, err := schema.Compile(cfg)
	require.NoError(t, err)
	m, err := d.FromJSON([]byte(`{"id":1,"at":"2026-11-22T01:02:03Z","addr":{"city":"Lyon"},"attrs":{"x":2},"any":5}`))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"city": "Lyon"}, m["addr"])
	assert.Equal(t, "5", m["any"])
	_, err = d.FromJSON([]byte(`{"at":"2026-11-22T01:02:03Z"}`))
	require.ErrorContains(t, err, "field id: missing")

	_, err = schema.FromJSONSchema([]byte(`{"type":"string"}`))
	require.Error(t, err)
	_, err = schema.FromJSONSchema([]byte(`{"type":"object","properties":{"a b":{"type":"string"}}}`))
	require.ErrorContains(t, err, `"a b"`)
	// Recursion through a reference ends as JSON text.
	cfg, err = schema.FromJSONSchema([]byte(`{"type":"object","definitions":{"n":{"type":"object","properties":{"next":{"$ref":"#/definitions/n"},"v":{"type":"integer"}}}},
		"properties":{"head":{"$ref":"#/definitions/n"}}}`))
	require.NoError(t, err)
	require.NoError(t, cfg.Validate())
	assert.Equal(t, "struct", cfg.Fields[0].Type)
	assert.Equal(t, "json", cfg.Fields[0].Fields[0].Type)
}

// TestConform: values a stage set in JSON's shapes take the schema's Go
// types; what cannot convert stays and Check names it.
func TestConform(t *testing.T) {
	s := &model.Schema{ID: "t", Fields: []arrow.Field{
		{Name: "i", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "d", Type: &arrow.Decimal128Type{Precision: 6, Scale: 2}, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "st", Type: arrow.StructOf(arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Uint64, Nullable: true}), Nullable: true},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
	}}
	m := map[string]any{"i": json.Number("42"), "f": 3, "d": json.Number("12.5"), "s": json.Number("7"),
		"ts": "2026-11-22T01:02:03Z", "st": map[string]any{"n": json.Number("9")}, "l": []any{json.Number("1"), 2.0}}
	require.NoError(t, schema.Conform(s, m))
	assert.Equal(t, map[string]any{"i": int64(42), "f": 3.0, "d": big.NewRat(25, 2), "s": "7",
		"ts": time.Date(2026, 11, 22, 1, 2, 3, 0, time.UTC), "st": map[string]any{"n": uint64(9)}, "l": []any{int64(1), int64(2)}}, m)
	for name, v := range map[string]any{"i": json.Number("1.5"), "d": json.Number("1.234"), "ts": "yesterday", "l": []any{"x"}} {
		err := schema.Conform(s, map[string]any{name: v})
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "field "+name)
	}
}

// TestDecimalFastPaths: decimals read and scaled without big numbers give
// what the general path gives, and refuse what it refuses.
func TestDecimalFastPaths(t *testing.T) {
	d := compile(t, `{fields: [{name: d, type: decimal, precision: 6, scale: 2}]}`)
	for text, want := range map[string]string{
		`"-0.5"`: "-1/2", `"+1"`: "1", `"1."`: "1", `".5"`: "1/2", `"007.10"`: "71/10", `1e2`: "100", `"1234.5"`: "2469/2", `0.00`: "0", `-9999.99`: "-999999/100",
	} {
		m, err := d.FromJSON([]byte(`{"d":` + text + `}`))
		require.NoError(t, err, text)
		assert.Equal(t, want, m["d"].(*big.Rat).RatString(), text)
	}
	for _, text := range []string{`"1.234"`, `"12345.6"`, `"1-2"`, `""`, `"--1"`, `99999999999999999999`} {
		_, err := d.FromJSON([]byte(`{"d":` + text + `}`))
		assert.Error(t, err, text)
	}
	for _, r := range []*big.Rat{big.NewRat(1, 3), big.NewRat(-12345, 100), big.NewRat(7, 8), big.NewRat(999999, 100), big.NewRat(1000000, 100)} {
		n, ok, fast := schema.ScaleDecimal64(r, 6, 2)
		require.True(t, fast, r.String())
		want, wantOK := schema.ScaleDecimal(r, 6, 2)
		require.Equal(t, wantOK, ok, r.String())
		if ok {
			assert.Equal(t, want.Int64(), n, r.String())
		}
	}
}
