package model

import (
	"bytes"
	"io"
	"os"
)

// DeadLetter is a round's rejected records, as JSON lines in offset order
// (one model.Rejection a line, written by stages/format.AppendRejection):
// bytes that are a pure function of the records, so that whoever writes
// the round again writes the same ones. The buffer keeps them in a file of
// the round's spill directory (Spill), or in memory when they are few
// (Held).
type DeadLetter struct {
	// Records counts the lines; Bytes their size.
	Records int64 `json:"records"`
	Bytes   int64 `json:"bytes"`
	// Spill is the local file holding the lines; empty when Held holds
	// them.
	Spill string `json:"spill,omitempty"`
	// Held, when not nil, holds the lines in memory. It belongs to the
	// process that sealed the round and is never encoded; Round.Free
	// releases it.
	Held HeldLines `json:"-"`
}

// HeldLines is a round's dead-letter lines kept in memory by the buffer.
// Lines returns them (not to be changed); Release gives their memory back
// to the buffer's bound. Release is safe to call more than once.
type HeldLines interface {
	Lines() []byte
	Release()
}

// Open returns a reader of the lines, from memory or from the spill file.
func (d *DeadLetter) Open() (io.ReadCloser, error) {
	if d.Held != nil {
		return io.NopCloser(bytes.NewReader(d.Held.Lines())), nil
	}
	return os.Open(d.Spill)
}
