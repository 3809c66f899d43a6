package main

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		topics map[string]int32
		errs   []string
	}{
		{"defaults", nil, map[string]int32{}, nil},
		{"topics", []string{"-topics", "events:4, audit:1"}, map[string]int32{"events": 4, "audit": 1}, nil},
		{"advertised", []string{"-advertised-addr", "127.0.0.1:9092"}, map[string]int32{}, nil},
		{"every problem at once", []string{"-addr", "nope", "-advertised-addr", "x:y", "-topics", "a,b:0", "-default-partitions", "0"}, nil,
			[]string{"-addr:", "-advertised-addr:", `"a": want name:partitions`, `"b:0": partitions must be a positive number`, "-default-partitions"}},
		{"stray argument", []string{"extra"}, nil, []string{"unexpected arguments"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, err := parseFlags(tt.args, io.Discard)
			if len(tt.errs) == 0 {
				require.NoError(t, err)
				assert.Equal(t, tt.topics, opts.topics)
				return
			}
			require.Error(t, err)
			for _, msg := range tt.errs {
				assert.ErrorContains(t, err, msg)
			}
		})
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	assert.Equal(t, exitUsage, run([]string{"-topics", "x"}, io.Discard))
	assert.Equal(t, exitOK, run([]string{"-h"}, io.Discard))
}
