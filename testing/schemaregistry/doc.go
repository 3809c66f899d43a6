// Package schemaregistry runs the schemaregistry command (a Confluent
// Schema Registry, franz-go's srfake, in testing/cmd/schemaregistry) as a
// child process, so that tests can register schemas from other programs
// (the Node producer of testing/srproducer) and stop the registry while
// sluice's parsers use it.
//
// Start builds the command once per test process (into the user cache,
// like testing/broker), runs it and waits until it listens; the process is
// stopped in t.Cleanup and its output goes to the test log when the test
// fails.
package schemaregistry
