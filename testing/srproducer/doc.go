// Package srproducer runs produce.mjs, a Node producer built on kafkajs and
// @kafkajs/confluent-schema-registry, from Go tests: it registers a schema
// (Avro, Protobuf or JSON Schema) in a Schema Registry and produces records
// encoded with it to a Kafka topic, independently of sluice's own code.
//
// Its npm packages are pinned by package-lock.json and installed with
// InstallCommand (the CI script runs it; Produce runs it once when they
// are missing). Without node or npm, Produce skips the test unless CI is
// set, and fails it then.
package srproducer
