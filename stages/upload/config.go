package upload

import "github.com/sluicehq/sluice/conf"

// Config is the upload stage's configuration.
type Config struct {
	// Concurrency is how many rounds (of different Kafka partitions) are
	// encoded and uploaded at once. Rounds of one partition are always
	// uploaded in order. Default 4.
	Concurrency int `yaml:"concurrency"`
}

// DefaultConfig returns the upload configuration used where the file sets
// none: 4 rounds at once.
func DefaultConfig() Config { return Config{Concurrency: 4} }

// Validate reports every problem of the configuration, each a
// *conf.FieldError naming its YAML path relative to the upload section
// ("concurrency"). It only checks; it never fills in defaults.
func (c Config) Validate() error {
	var errs conf.Errors
	if c.Concurrency < 1 {
		errs.Addf("concurrency", "must be at least 1, got %d", c.Concurrency)
	}
	return errs.Err()
}
