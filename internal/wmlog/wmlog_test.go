package wmlog

import (
	"bytes"
	"errors"
	"log/slog"
	"testing"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/stretchr/testify/assert"
)

func TestLevels(t *testing.T) {
	tests := []struct {
		level slog.Level
		want  []string
		not   []string
	}{
		{level: slog.LevelInfo, want: []string{"boom"}, not: []string{"adding", "dbg", "trc"}},
		{level: slog.LevelDebug, want: []string{"boom", "adding", "dbg"}, not: []string{"trc"}},
		{level: watermill.LevelTrace, want: []string{"boom", "adding", "dbg", "trc", "k=v"}},
	}
	for _, tt := range tests {
		t.Run(tt.level.String(), func(t *testing.T) {
			var buf bytes.Buffer
			l := New(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tt.level}))).
				With(watermill.LogFields{"k": "v"})
			l.Error("boom", errors.New("e"), nil)
			l.Info("adding", nil)
			l.Debug("dbg", nil)
			l.Trace("trc", nil)
			for _, w := range tt.want {
				assert.Contains(t, buf.String(), w)
			}
			for _, n := range tt.not {
				assert.NotContains(t, buf.String(), n)
			}
		})
	}
}

func BenchmarkTraceOff(b *testing.B) {
	l := New(slog.New(slog.DiscardHandler))
	f := watermill.LogFields{"kafka_partition": 1, "kafka_partition_offset": 42}
	b.ReportAllocs()
	for b.Loop() {
		l.Trace("Message sent to consumer", f)
	}
}
