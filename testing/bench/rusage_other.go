//go:build !linux

package main

import "os"

// maxRSSKiB is unknown off Linux (where units differ): the harness reports 0.
func maxRSSKiB(*os.ProcessState) int64 { return 0 }
