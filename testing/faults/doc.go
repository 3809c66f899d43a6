// Package faults injects faults between an S3 client and an S3 endpoint: a
// reverse proxy on a loopback port that forwards every request unchanged
// (same Host header, same path and query, bodies streamed both ways, so
// SigV4 signatures made for the proxy's address still validate at the
// target) and, when told, answers with a 5xx or with S3 throttling (503
// SlowDown with Retry-After, in bursts of Fault.Limit requests), delays,
// resets the connection before or after the target saw the request, cuts a
// response's body short, or swallows the request.
//
// Faults are drawn from a seeded random source, so a run with the same seed
// and the same order of requests injects the same faults. Tests point the
// store at Proxy.URL and switch faults on and off with Set and Clear while
// the client runs; a proxy in another process (the s3faultproxy command)
// is driven the same way through its AdminHandler API with a Client.
//
// KafkaProxy does the like between Kafka clients and a broker, at the TCP
// level: a broker that advertises its address (Advertise) sends every
// connection through it, and Partition cuts chosen clients off, by client
// id: their connections black-holed (a network partition) or reset.
package faults
