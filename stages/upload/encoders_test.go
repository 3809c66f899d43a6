package upload

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/stages/format"
)

// gateAllocator blocks every allocation until open is closed and counts the
// goroutines blocked in it: an encoder that has started allocates at once.
type gateAllocator struct {
	memory.Allocator
	open    chan struct{}
	blocked atomic.Int32
}

func (a *gateAllocator) Allocate(size int) []byte {
	a.blocked.Add(1)
	<-a.open
	a.blocked.Add(-1)
	return a.Allocator.Allocate(size)
}

// Files are encoded at most Settings.Encoders at once, however many rounds
// are uploaded concurrently.
func TestEncodersBound(t *testing.T) {
	for _, encoders := range []int{1, 2} {
		t.Run(map[int]string{1: "one", 2: "two"}[encoders], func(t *testing.T) {
			h := newHarness(t, format.Config{Type: format.TypeParquet})
			gate := &gateAllocator{Allocator: memory.NewGoAllocator(), open: make(chan struct{})}
			h.stage.set.Alloc = gate
			h.stage.encoders = make(chan struct{}, encoders)
			r := spillRound(t, 0, 0, 99, "a", "b", "c")

			var wg sync.WaitGroup
			for _, f := range r.Files {
				wg.Go(func() {
					_, err := h.stage.encode(t.Context(), format.SpillFile(f.Spill), io.Discard, h.format)
					assert.NoError(t, err)
				})
			}
			require.Eventually(t, func() bool { return gate.blocked.Load() == int32(encoders) },
				5*time.Second, time.Millisecond, "encoders started")
			time.Sleep(100 * time.Millisecond) // a third encoder would have started by now
			assert.Equal(t, int32(encoders), gate.blocked.Load(), "encoders running at once")
			close(gate.open)
			wg.Wait()
		})
	}
}

// An encoder waiting for a slot gives up when its context ends.
func TestEncodeWaitCancelled(t *testing.T) {
	h := newHarness(t, format.Config{Type: format.TypeParquet})
	h.stage.encoders = make(chan struct{}, 1)
	h.stage.encoders <- struct{}{} // the only slot is taken
	r := spillRound(t, 0, 0, 9, "a")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := h.stage.encode(ctx, format.SpillFile(r.Files[0].Spill), io.Discard, h.format)
	assert.ErrorIs(t, err, context.Canceled)
}
