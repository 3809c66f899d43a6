package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/sluicehq/sluice/app/demo"
)

func TestReporter(t *testing.T) {
	p1 := demo.Progress{Elapsed: time.Second, Produced: 200, RecordsIn: 190}
	p2 := demo.Progress{Elapsed: 2 * time.Second, Produced: 400, RecordsIn: 400, Rounds: 4, Files: 4, Bytes: 2048, Committed: 400}
	tests := []struct {
		name string
		tty  bool
		want string
	}{
		{"terminal rewrites one line", true, eraseLine + p1.String() + eraseLine + p2.String() + "\n"},
		{"pipe gets a line each", false, p1.String() + "\n" + p2.String() + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			r := newReporter(&out, tt.tty)
			r.print(p1)
			r.print(p2)
			r.finish()
			r.finish() // idempotent
			assert.Equal(t, tt.want, out.String())
		})
	}
}

func TestReporterRunsUntilDone(t *testing.T) {
	var out bytes.Buffer
	r := &reporter{w: &out, every: 10 * time.Millisecond}
	ctx, cancel := context.WithTimeout(t.Context(), 55*time.Millisecond)
	defer cancel()
	calls := 0
	r.run(ctx, func() demo.Progress { calls++; return demo.Progress{Produced: int64(calls)} })
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	assert.GreaterOrEqual(t, len(lines), 2)
	assert.Equal(t, calls, len(lines))
	assert.Contains(t, lines[0], "produced 1 ")
}

func TestIsTerminal(t *testing.T) {
	assert.False(t, isTerminal(&bytes.Buffer{}))
}
