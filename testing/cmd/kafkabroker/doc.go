// Command kafkabroker runs a Kafka-protocol broker (franz-go's kfake) as its
// own process, for tests that crash, restart and signal the broker apart
// from the programs that use it (the chaos suite of package testing/broker).
//
// Usage:
//
//	kafkabroker -addr 127.0.0.1:0 -topics events:4,audit:1 -data-dir DIR -ready-file FILE
//
// With -data-dir the broker keeps topics, records and committed group
// offsets there and loads them again when it starts on the same directory.
// -sync (on by default) fsyncs every produced batch and group log entry, so
// what the broker acknowledged survives even a machine crash; a SIGKILL
// alone loses nothing written, since the kernel keeps the page cache.
// Once listening, the broker writes its address to -ready-file (atomically,
// by rename). -advertised-addr makes the broker name another address in its
// metadata answers (a faults.KafkaProxy listening there, which forwards to
// the broker); the ready file still holds the address listened on. SIGTERM or
// SIGINT closes it cleanly, saving its state.
//
// -tls-cert and -tls-key make the listener speak TLS only; -tls-client-ca
// also requires a client certificate signed by that CA (mutual TLS).
// -sasl-user MECHANISM:USER:PASSWORD (repeatable; PLAIN, SCRAM-SHA-256,
// SCRAM-SHA-512) turns SASL on with that superuser: for example
//
//	kafkabroker -tls-cert server.pem -tls-key server.key -sasl-user SCRAM-SHA-512:sluice:secret
package main
