// Package kafkatest starts a real Kafka-protocol broker (franz-go's kfake)
// in-process for tests, produces records into it and reads a consumer group's
// committed offsets back, with franz-go's own client: independent of the
// sarama client sluice consumes with. StartSecure turns on TLS (with
// certificates of a throwaway CA, NewCerts) and SASL users.
package kafkatest
