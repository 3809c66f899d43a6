// Command schemaregistry runs a Confluent Schema Registry (franz-go's
// in-memory srfake, which implements its REST API) as its own process, for
// tests and for producers in other languages (testing/srproducer) that
// register schemas in it.
//
// Usage:
//
//	schemaregistry -addr 127.0.0.1:0 -ready-file FILE -auth "Bearer token"
//
// It listens on -addr (port 0: a free port), writes its URL
// ("http://127.0.0.1:PORT") as the first line of its standard output and,
// once listening, to -ready-file (atomically, by rename). -auth makes it
// answer 401 to requests whose Authorization header is not exactly that
// value ("Bearer t0ken", "Basic dXNlcjpwYXNz"). It exits on SIGTERM or
// SIGINT, and, with -exit-on-stdin-close, when its standard input closes
// (its parent died). Schemas live in memory only.
package main
