// Package stages holds the types that travel between sluice's stages: a
// Kafka record as sluice sees it (Record) and a sealed round of records
// (Round). Each stage lives in a package of its own below this one:
//
//	parse → partition → buffer → upload → commit
//
// parse, partition and buffer run on the per-record path inside one Watermill
// handler; buffer seals rounds that travel upload → commit as Watermill
// messages.
package stages
