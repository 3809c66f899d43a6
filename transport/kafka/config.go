package kafka

import "time"

// Config is how sluice reaches Kafka and which topics it archives.
type Config struct {
	// Brokers are the bootstrap brokers, "host:port". Required.
	Brokers []string `yaml:"brokers"`
	// Group is the consumer group. Default "sluice".
	Group string `yaml:"group"`
	// ClientID names this client to the brokers. Default "sluice".
	ClientID string `yaml:"client_id"`
	// Topics lists topics to archive by name.
	Topics []string `yaml:"topics"`
	// TopicRegex archives every topic whose whole name matches (RE2 syntax),
	// found at start. Topics and TopicRegex may be combined; one is required.
	TopicRegex string `yaml:"topic_regex"`
	// Version is the Kafka protocol version sarama speaks ("2.8.0"). Default
	// "2.1.0", which every broker since 2018 understands.
	Version string `yaml:"version"`
	// SessionTimeout is the consumer group session timeout. Default 30s.
	SessionTimeout time.Duration `yaml:"session_timeout"`
	// DialTimeout bounds connecting to a broker. Default 10s.
	DialTimeout time.Duration `yaml:"dial_timeout"`
}
