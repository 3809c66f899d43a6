package main

import (
	"os"
	"syscall"
)

// maxRSSKiB returns the peak RSS of an exited process; Linux reports it in
// KiB.
func maxRSSKiB(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss
	}
	return 0
}
