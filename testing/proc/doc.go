// Package proc runs the external programs tests need (MinIO, Jaeger, the
// kafkabroker command) as child processes.
//
// Tool finds such a program: from an environment variable, else in the user
// cache (BinDir), building it there once, under a file lock, when it is
// missing. Start runs a server on free loopback ports, waits until it
// answers its readiness URL, stops it when the test ends and shows its
// output in the test log if the test failed. Output is the bounded buffer
// that keeps what a child process writes.
package proc
