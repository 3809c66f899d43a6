// Package cli is the sluice command line: it archives Kafka topics to S3 (or
// a local directory) exactly once, as Hive-partitioned Parquet or JSON-lines
// files. cmd/sluice is this package's Main and nothing else; a program
// that extends sluice calls Main the same way (see "Extending sluice").
//
// Usage:
//
//	sluice run -c sluice.yaml        archive until SIGINT or SIGTERM
//	sluice validate -c sluice.yaml   check a configuration (--print shows it with defaults)
//	sluice demo                      archive generated events from an in-process Kafka
//
// Exit codes: 0 after a clean stop, 1 on a runtime error (an unreachable
// broker or store, an unknown topic), 2 on an invalid configuration or
// command line, 128+N when a second signal N interrupts a graceful shutdown
// (130 for a second Ctrl-C): what was buffered and not committed is then read
// again from Kafka on the next start, so nothing is lost.
//
// # Extending sluice
//
// A program that adds components of its own is a main package that
// registers them and calls Main; it keeps every sluice command, and its
// configuration files name the new components like the built-in ones:
//
//	package main
//
//	import (
//		"github.com/sluicehq/sluice/app/cli"
//		"github.com/sluicehq/sluice/stages"
//		"github.com/sluicehq/sluice/stages/parse"
//
//		_ "example.com/mystore" // registers "gs://" in its init function
//	)
//
//	func main() {
//		stages.MustRegister(stages.NewFactory("mask", defaults, newMask))
//		parse.MustRegister(parse.NewFactory("kvlog", kvDefaults, newKV))
//		cli.Main()
//	}
//
// Every kind of component has a registry of the same shape (package
// plugin): a Factory names the component, gives its options with their
// defaults and builds it; Register adds it, before Main loads a
// configuration (from main or an init function of an imported package).
// Options are decoded strictly from the component's own YAML section and
// validated, and "sluice validate" reports their problems with path and
// line like sluice's own.
//
//   - stages.Register: a stage over batches of records, listed in a topic's
//     "stages:" ("- mask: {field: email}");
//   - parse.Register: a parser, "parser: {type: kvlog, options: {...}}";
//   - partition.Register: a partitioner, "partitioner: {type: ..., options: {...}}";
//   - format.Register: an output format, "format: {type: ..., options: {...}}";
//   - objstore.Register: a store for the destination URLs of a scheme
//     ("gs://bucket/prefix"); its Factory opens the store and checks the
//     URL, and run, verify and lag all open the destination through it.
//
// cmd/sluice is such a program with nothing to add. See ExampleMain, and
// examples/piiredact in the repository for a whole program (a stage and a
// parser of its own) with a test that builds and runs it.
package cli
