// Command bench is sluice's benchmark harness: it measures, in one run and on
// the same preloaded data, what the hardware allows (kcat), what the
// framework allows (a bare watermill-kafka Router, testing/cmd/benchconsumer),
// and what sluice does (the real binary, to a local directory and to MinIO).
//
// Usage (from the repository root; task bench wraps it):
//
//	go run ./testing/bench [-n 2000000] [-count 1] [-partitions 8] [-record-size 300]
//	                       [-results DIR] [-cpuprofile] [-sweep] [-sweep-n 300000]
//	                       [-topics 50,200,500 [-topic-partitions 2] [-topic-records 5] [-topic-rounds 2]]
//
// The broker (kfake, testing/cmd/kafkabroker), MinIO and every measured
// program run as child processes; each measured program's CPU time and peak
// RSS come from its own rusage after it exits, its wall time from its start
// until it has consumed (kcat, benchconsumer) or made durable (sluice: every
// partition's progress record in the bucket says next == the end offset)
// every record. S3 requests are counted by a reverse proxy in front of MinIO.
//
// Results go to stdout as a table and to the results directory as
// results.json and results.md, with a description of the machine. -count N
// runs the comparison's whole sequence of rows N times, interleaved, and
// reports each row's median run with the spread of its records/s. -sweep
// runs the scaling sweeps (partitions, record size, open output partitions,
// file size) instead of the comparison. -topics 50,200,500 measures instead
// what many topics under one topic_regex cost (start-up to assignment and to
// durability, memory, threads, sockets, CPU, and the group's rebalances when
// a second process joins and leaves) and writes topics.json. See
// docs/benchmarks.md.
package main
