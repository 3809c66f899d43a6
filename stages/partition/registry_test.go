package partition_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/plugin"
	"github.com/sluicehq/sluice/stages/partition"
)

// keyOptions are the options of the "by-key" test partitioner.
type keyOptions struct {
	Prefix string `yaml:"prefix"`
}

func (o *keyOptions) Validate() error {
	if o.Prefix == "" {
		return &conf.FieldError{Path: "prefix", Err: errors.New("required")}
	}
	return nil
}

func TestRegisteredPartitioner(t *testing.T) {
	require.NoError(t, partition.Register(partition.NewFactory("by-key",
		func() keyOptions { return keyOptions{Prefix: "k"} },
		func(o keyOptions, set partition.Settings) (partition.Partitioner, error) {
			return partition.Func(func(rec *model.Record) string {
				return set.Topic + "/" + o.Prefix + "=" + string(rec.Key)
			}), nil
		})))
	require.ErrorIs(t, partition.Register(partition.NewFactory(partition.TypeTime, nil,
		func(struct{}, partition.Settings) (partition.Partitioner, error) { return nil, nil })), plugin.ErrDuplicate)
	assert.Equal(t, []string{"by-key", "offset", "time"}, partition.Names())

	cfg := partition.DefaultConfig()
	require.NoError(t, yaml.Unmarshal([]byte(`{type: by-key, options: {prefix: user}}`), &cfg))
	require.NoError(t, cfg.Validate())
	s, err := partition.New(cfg, partition.Settings{Topic: "events"})
	require.NoError(t, err)
	assert.Equal(t, "events/user=ann", s.Dir(&model.Record{Key: []byte("ann")}))

	// Defaults apply where the options are left out.
	cfg = partition.DefaultConfig()
	cfg.Type = "by-key"
	s, err = partition.New(cfg, partition.Settings{Topic: "events"})
	require.NoError(t, err)
	assert.Equal(t, "events/k=bob", s.Dir(&model.Record{Key: []byte("bob")}))

	for section, want := range map[string]string{
		`{type: by-key, options: {prefix: ""}}`:  "options.prefix: required",
		`{type: by-key, options: {prefx: a}}`:    "options.prefx: unknown field (known: prefix)",
		`{type: nope}`:                           `type: unknown partitioner "nope" (want by-key, offset, time)`,
		`{type: time, options: {prefix: a}}`:     "options: the time partitioner has no options (its keys are granularity, template and timezone)",
		`{type: by-key, options: {prefix: [a]}}`: "options.prefix: cannot unmarshal !!seq into string",
	} {
		cfg := partition.DefaultConfig()
		require.NoError(t, yaml.Unmarshal([]byte(section), &cfg))
		var got []string
		for _, fe := range conf.List(cfg.Validate()) {
			got = append(got, fe.Path+": "+fe.Err.Error())
		}
		assert.Equal(t, []string{want}, got, section)
		_, err := partition.New(cfg, partition.Settings{})
		assert.ErrorIs(t, err, partition.ErrInvalidConfig, section)
	}
}
