package format_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

// TestEncodeDeterministic spills the same records with different flush points
// (so different batch boundaries) and requires byte-identical output in every
// format, as the exactly-once protocol does.
func TestEncodeDeterministic(t *testing.T) {
	recs := append(edgeRecords(), genRecords(4500, 7, 100)...) // more than one chunk
	flushes := []int{0, 1, 7, 1000, 4097}
	for _, cfg := range allConfigs {
		t.Run(cfgName(cfg), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			dir := t.TempDir()
			var first []byte
			for _, every := range flushes {
				out := encodeFile(t, writeSpill(t, dir, recs, every, mem), cfg, mem)
				if first == nil {
					first = out
					continue
				}
				require.True(t, bytes.Equal(first, out), "flush every %d: %d bytes differ from %d bytes", every, len(out), len(first))
			}
			again := encodeFile(t, writeSpill(t, dir, recs, 0, mem), cfg, mem)
			require.Equal(t, first, again, "encoding twice")
		})
	}
}

// TestEncodeDependsOnRecords guards the determinism test: different records
// must give different bytes.
func TestEncodeDependsOnRecords(t *testing.T) {
	for _, cfg := range allConfigs {
		t.Run(cfgName(cfg), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			recs := genRecords(100, 3, 20)
			a := encodeFile(t, writeSpill(t, t.TempDir(), recs, 0, mem), cfg, mem)
			recs[50].Offset++
			b := encodeFile(t, writeSpill(t, t.TempDir(), recs, 0, mem), cfg, mem)
			require.NotEqual(t, a, b, fmt.Sprintf("%s ignores a changed offset", cfgName(cfg)))
		})
	}
}
