// Package broker runs the kafkabroker command (a Kafka-protocol broker,
// franz-go's kfake, in testing/cmd/kafkabroker) as a child process, so that
// tests can stop it with SIGTERM, kill it with SIGKILL and restart it on the
// same address and data directory while clients keep running.
//
// Build compiles the command once per test process; Start runs it and
// waits until it listens. Every process started is stopped in t.Cleanup, and
// its output goes to the test log when the test fails.
package broker
