package cli

import (
	"bytes"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWatchSignals(t *testing.T) {
	tests := []struct {
		name     string
		sigs     []os.Signal
		wantExit int // -1: not called
		wantOut  []string
	}{
		{"one signal shuts down gracefully", []os.Signal{os.Interrupt}, -1,
			[]string{"sluice: SIGINT: shutting down gracefully"}},
		{"a second Ctrl-C quits with 130", []os.Signal{os.Interrupt, os.Interrupt}, 130,
			[]string{"SIGINT again: quitting at once", "read again from Kafka on the next start (nothing is lost)"}},
		{"SIGTERM after SIGINT quits with 143", []os.Signal{os.Interrupt, syscall.SIGTERM}, 143,
			[]string{"SIGTERM again: quitting at once"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			exited := make(chan int, 1)
			s := streams{stderr: &out, exit: func(code int) { exited <- code }}
			sigs := make(chan os.Signal, len(tt.sigs))
			for _, sig := range tt.sigs {
				sigs <- sig
			}
			done := make(chan struct{})
			returned := make(chan struct{})
			go func() { watchSignals(sigs, done, s); close(returned) }()
			if tt.wantExit >= 0 {
				select {
				case code := <-exited:
					assert.Equal(t, tt.wantExit, code)
				case <-time.After(5 * time.Second):
					t.Fatal("exit not called")
				}
				<-returned
			} else {
				time.Sleep(50 * time.Millisecond)
				close(done)
				<-returned
				require.Empty(t, exited)
			}
			for _, w := range tt.wantOut {
				assert.Contains(t, out.String(), w)
			}
		})
	}
}
