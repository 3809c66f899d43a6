// Package demo runs sluice end to end on one machine with nothing installed:
// an in-process Kafka-protocol broker (franz-go's kfake), a generator of
// sample JSON events, and the pipeline archiving them as Parquet files into a
// local directory. The sluice binary's "demo" command is a thin shell around
// it; the package is importable so tests and other programs can run the same
// demo.
//
// The how-to text the demo prints (producing with kcat, reading with DuckDB)
// lives here as constants, so the README and the banner quote the same
// commands.
package demo
