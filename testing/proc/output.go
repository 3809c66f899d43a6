package proc

import (
	"bytes"
	"sync"
)

// maxOutput caps the process output an Output keeps.
const maxOutput = 1 << 20

// Output keeps the last MiB a process writes, for the test log. The zero
// value is ready to use; it is safe for concurrent use, so one Output can be
// a command's Stdout and Stderr at once.
type Output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p, dropping the oldest bytes beyond the cap. It never fails.
func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	if extra := o.buf.Len() - maxOutput; extra > 0 {
		o.buf.Next(extra)
	}
	return len(p), nil
}

// String returns what is kept.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}
