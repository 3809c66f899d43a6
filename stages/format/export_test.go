package format

import "io"

// WrapSpillFile puts wrap's writer between w and its file, so a test can
// make writes fail.
func WrapSpillFile(w *SpillWriter, wrap func(io.Writer) io.Writer) {
	w.sink.wrap = wrap
}
