// Command piiredact is sluice with two components of its own, the way a
// program that extends sluice is built: it registers them, then calls
// cli.Main, and keeps every sluice command (run, validate, verify, lag,
// demo). Its configuration files name the new components like the built-in
// ones (see sluice.yaml next to this file):
//
//   - the "kvlog" parser reads log lines of key=value pairs
//     (ts=2026-11-22T01:02:03Z level=info user=ada msg="signed in"),
//     takes the event time from one of them and stores each line as a JSON
//     object of its fields (kv.go);
//   - the "redact_pii" stage replaces e-mail addresses found anywhere in a
//     record, and the whole value of the fields it is given, by a mask or a
//     keyed hash (redact.go).
//
// To start your own, copy this directory into a module of yours that
// requires github.com/sluicehq/sluice, and "go build" it.
package main

import (
	"github.com/sluicehq/sluice/app/cli"
	"github.com/sluicehq/sluice/stages"
	"github.com/sluicehq/sluice/stages/parse"
)

func main() {
	// Register before cli.Main loads a configuration. The name is what a
	// configuration writes; the defaults function gives the options their
	// defaults before the YAML is decoded onto them; the build function
	// makes the component from its decoded, validated options.
	stages.MustRegister(stages.NewFactory("redact_pii", defaultRedactOptions, newRedactor))
	parse.MustRegister(parse.NewFactory("kvlog", defaultKVOptions, newKV))
	cli.Main()
}
