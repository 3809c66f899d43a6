package conf

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

func TestErrors(t *testing.T) {
	var inner Errors
	inner.Addf("brokers", "at least one broker is required")
	inner.Add(Index("brokers", 2), errors.New("bad"))
	inner.Add("ignored", nil)

	var outer Errors
	outer.Nest("kafka", inner.Err())
	outer.Nest("x", errors.New("plain"))
	outer.Nest("y", nil)
	err := outer.Err()
	require.Error(t, err)
	assert.Equal(t, "kafka.brokers: at least one broker is required\nkafka.brokers[2]: bad\nx: plain", err.Error())

	list := List(err)
	require.Len(t, list, 3)
	assert.Equal(t, "kafka.brokers[2]", list[1].Path)
	var fe *FieldError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "kafka.brokers", fe.Path)

	assert.Nil(t, (&Errors{}).Err())
	assert.Nil(t, List(nil))
	assert.Equal(t, "line 3: a.b: boom", (&FieldError{Path: "a.b", Line: 3, Err: errors.New("boom")}).Error())
	assert.Equal(t, "boom", (&FieldError{Err: errors.New("boom")}).Error())
}

func TestJoin(t *testing.T) {
	assert.Equal(t, "a", Join("", "a"))
	assert.Equal(t, "a", Join("a", ""))
	assert.Equal(t, "a.b", Join("a", "b"))
	assert.Equal(t, "a[1].b", Join(Index("a", 1), "b"))
	assert.Equal(t, "a[1]", Join("a", "[1]"))
}

func TestExpand(t *testing.T) {
	env := map[string]string{"A": "x", "E": "", "D": "$"}
	lookup := func(n string) (string, bool) { v, ok := env[n]; return v, ok }
	tests := []struct{ in, want, err string }{
		{in: "plain", want: "plain"},
		{in: "${A}", want: "x"},
		{in: "a${A}b${A}", want: "axbx"},
		{in: "${E}", want: ""},
		{in: "${E:-d}", want: "d"},
		{in: "${U:-d e:f}", want: "d e:f"},
		{in: "${U:-}", want: ""},
		{in: "${A:-d}", want: "x"},
		{in: "$$", want: "$"},
		{in: "$${A}", want: "${A}"},
		{in: "$$$${A}", want: "$${A}"},
		{in: "${D}{A}", want: "${A}"},
		{in: "^a$", want: "^a$"},
		{in: "$", want: "$"},
		{in: "a$b", want: "a$b"},
		{in: "${U}", err: "environment variable is not set: U (set it or write ${U:-default})"},
		{in: "${A", err: `malformed ${...} reference: "${A" has no closing brace`},
		{in: "${}", err: `malformed ${...} reference: "" is not a variable name (want ${NAME} or ${NAME:-default}; write $$ for a literal $)`},
		{in: "${A-x}", err: `malformed ${...} reference: "A-x" is not a variable name (want ${NAME} or ${NAME:-default}; write $$ for a literal $)`},
	}
	for _, tt := range tests {
		got, err := Expand(tt.in, lookup)
		if tt.err != "" {
			assert.EqualError(t, err, tt.err, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
	_, err := Expand("${U}", lookup)
	assert.ErrorIs(t, err, ErrUnsetVariable)
}

type sub struct {
	Size  int           `yaml:"size"`
	Wait  time.Duration `yaml:"wait"`
	Names []string      `yaml:"names"`
}

type root struct {
	Sub   sub   `yaml:"sub"`
	Subs  []sub `yaml:"subs"`
	Skip  int   `yaml:"-"`
	Plain string
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"valid", "sub: {size: 1, wait: 1s, names: [a]}\nsubs: [{size: 2}]\nplain: x", nil},
		{"null values", "sub:\nsubs:\n", nil},
		{"unknown", "sub: {sise: 1}\nskip: 1", []string{
			"line 1: sub.sise: unknown field (known: names, size, wait)",
			"line 2: skip: unknown field (known: plain, sub, subs)",
		}},
		{"types", "sub: {size: x, wait: 5, names: a}\nsubs: [{size: [1]}]", []string{
			"line 1: sub.size: cannot unmarshal !!str `x` into int",
			`line 1: sub.wait: invalid duration "5" (want a number with a unit such as 30s, 10m, 1h)`,
			`line 1: sub.names: want a list, got str "a"`,
			"line 2: subs[0].size: cannot unmarshal !!seq into int",
		}},
		{"not a mapping", "sub: 3", []string{`line 1: sub: want a mapping, got int "3"`}},
		{"duplicate", "plain: a\nplain: b", []string{"line 2: plain: key given twice (first at line 1)"}},
		{"merge and alias", "subs:\n  - &s {size: 1, bad: 2}\n  - <<: *s\n    wait: 1s\n  - *s", []string{
			"line 2: subs[0].bad: unknown field (known: names, size, wait)",
			"line 2: subs[1].bad: unknown field (known: names, size, wait)",
			"line 2: subs[2].bad: unknown field (known: names, size, wait)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc yaml.Node
			require.NoError(t, yaml.Unmarshal([]byte(tt.yaml), &doc))
			var got []string
			for _, fe := range List(Check(&doc, reflect.TypeFor[root]())) {
				got = append(got, fe.Error())
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestExpandEnvTree(t *testing.T) {
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte("sub:\n  size: ${N}\n  names: ['${N}', \"$$x\", &a '$$y', *a]\n# ${NOT_EXPANDED}\n"), &doc))
	err := ExpandEnv(&doc, func(string) (string, bool) { return "7", true })
	require.NoError(t, err)
	var r root
	require.NoError(t, doc.Decode(&r))
	assert.Equal(t, sub{Size: 7, Names: []string{"7", "$x", "$y", "$y"}}, r.Sub)

	require.NoError(t, yaml.Unmarshal([]byte("sub:\n  names: [a, '${X}']\n"), &doc))
	err = ExpandEnv(&doc, func(string) (string, bool) { return "", false })
	assert.EqualError(t, err, "line 2: sub.names[1]: environment variable is not set: X (set it or write ${X:-default})")
}
