// Command benchconsumer is the framework ceiling of the benchmark harness
// (testing/bench): a bare watermill-kafka Subscriber and Router with a no-op
// handler, consuming with exactly the sarama configuration and Subscriber
// sluice uses (transport/kafka.NewSubscriber, with a Coordinator so that acks
// commit nothing), and nothing of sluice's stages.
//
// Usage:
//
//	benchconsumer -brokers 127.0.0.1:9092 -topic events -group g -n 2000000
//
// It prints -n on stdout the moment it has handled -n records, then stops.
// Stopped earlier (SIGTERM or SIGINT), it prints the count it reached and
// exits 1.
package main
