package upload

// Config is the upload stage's configuration.
type Config struct {
	// Concurrency is how many rounds (of different Kafka partitions) are
	// encoded and uploaded at once. Rounds of one partition are always
	// uploaded in order. Default 4.
	Concurrency int `yaml:"concurrency"`
}
