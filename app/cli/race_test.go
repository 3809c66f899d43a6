//go:build race

package cli_test

// raceEnabled makes TestMain build the binary with the race detector when the
// tests run with it.
const raceEnabled = true
