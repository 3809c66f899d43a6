package conf

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

type testOptions struct {
	Name  string `yaml:"name"`
	Inner struct {
		Size int `yaml:"size"`
	} `yaml:"inner"`
}

func (o *testOptions) Validate() error {
	var errs Errors
	if o.Name == "" {
		errs.Add("name", errors.New("required"))
	}
	if o.Inner.Size < 0 {
		errs.Add("inner.size", errors.New("must not be negative"))
	}
	return errs.Err()
}

func TestOptionsDecode(t *testing.T) {
	const doc = "stage:\n  inner:\n    size: -1\n  name: \"\"\n"
	var root struct {
		Stage Options `yaml:"stage"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(doc), &root))
	err := root.Stage.Decode("defaults.stages[0].x", &testOptions{Name: "d"})
	assert.Equal(t, []string{
		"line 4: defaults.stages[0].x.name: required",
		"line 3: defaults.stages[0].x.inner.size: must not be negative",
	}, Messages(err), "each problem on its own field's line")

	require.NoError(t, yaml.Unmarshal([]byte("stage:\n  nmae: a\n"), &root))
	err = root.Stage.Decode("s", &testOptions{})
	assert.Equal(t, []string{"line 2: s.nmae: unknown field (known: inner, name)"}, Messages(err))

	var unset Options
	require.NoError(t, unset.Decode("s", &testOptions{Name: "default"}))
	assert.Equal(t, "default", unset.Value().(*testOptions).Name, "left out: the defaults")

	inGo := OptionsOf(&testOptions{})
	assert.Equal(t, []string{"s.name: required"}, Messages(inGo.Decode("s", &testOptions{})))
	wrong := OptionsOf(&struct{}{})
	assert.Error(t, wrong.Decode("s", &testOptions{}))
}
