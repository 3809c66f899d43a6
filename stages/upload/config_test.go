package upload

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sluicehq/sluice/conf"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		concurrency int
		want        []string
	}{
		{DefaultConfig().Concurrency, nil},
		{1, nil},
		{0, []string{"concurrency: must be at least 1, got 0"}},
		{-3, []string{"concurrency: must be at least 1, got -3"}},
	}
	for _, tt := range tests {
		got := conf.Messages(Config{Concurrency: tt.concurrency}.Validate())
		assert.Equal(t, tt.want, got, "concurrency %d", tt.concurrency)
	}
}
