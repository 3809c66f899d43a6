package link_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/transport/link"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  link.Config
		want []string // substrings of the error; none means valid
	}{
		{name: "zero is valid", cfg: link.Config{}},
		{name: "set", cfg: link.Config{Lanes: 8, Capacity: 16, RetryDelay: time.Second, MaxRetryDelay: time.Minute}},
		{
			name: "every problem at once",
			cfg:  link.Config{Lanes: -1, Capacity: -2, RetryDelay: -time.Second, MaxRetryDelay: -time.Second},
			want: []string{"lanes: must not be negative", "capacity: must not be negative",
				"retry_delay: must not be negative", "max_retry_delay: must not be negative"},
		},
		{
			name: "cap below delay",
			cfg:  link.Config{RetryDelay: time.Minute, MaxRetryDelay: time.Second},
			want: []string{"max_retry_delay: 1s is less than retry_delay 1m0s"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if len(tt.want) == 0 {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestDefaultCapacity(t *testing.T) {
	l := newLink(t, link.Config{})
	for i := range link.DefaultCapacity {
		require.NoError(t, l.Publish("t", msg("a", i)))
	}
	full := async(func() error { return l.Publish("t", msg("a", link.DefaultCapacity)) })
	blocked(t, full, "Publish beyond the default capacity")
	receive(t, subscribe(t, l, t.Context(), "t")).Ack()
	require.NoError(t, result(t, full, "Publish after an ack"))
}
