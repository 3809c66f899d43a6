// Package registrytest proves that components a program registers (a
// parser, a partitioner, an output format, an object store) are chosen,
// decoded and validated by a sluice configuration like the built-ins, with
// paths and lines. It is a package of its own because registrations last
// for the whole test binary and would change the pipeline package's
// messages ("want parquet, jsonl").
package registrytest
