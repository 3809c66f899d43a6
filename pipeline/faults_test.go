package pipeline

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCrashBeforeCommitSetting(t *testing.T) {
	tests := []struct {
		value   string
		on, bad bool
	}{
		{value: ""},
		{value: "0.25", on: true},
		{value: "1", on: true},
		{value: "0", bad: true},
		{value: "1.5", bad: true},
		{value: "often", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			t.Setenv(EnvCrashBeforeCommit, tt.value)
			mw, err := crashBeforeCommit()
			if tt.bad {
				require.ErrorContains(t, err, EnvCrashBeforeCommit)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.on, mw != nil)
		})
	}
}
