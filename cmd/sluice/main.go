// Command sluice archives Kafka topics to object storage exactly once. It is
// the stock build of the command line in package app/cli; a program that adds
// its own stages, parsers or stores calls cli.Main the same way.
package main

import "github.com/sluicehq/sluice/app/cli"

func main() { cli.Main() }
