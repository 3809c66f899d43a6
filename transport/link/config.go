package link

import (
	"errors"
	"fmt"
	"time"
)

// Defaults New uses for the zero values of Config.
const (
	DefaultLanes         = 4
	DefaultCapacity      = 64
	DefaultRetryDelay    = 100 * time.Millisecond
	DefaultMaxRetryDelay = 10 * time.Second
)

// Config tunes a Link. The zero value is usable: New fills in the defaults.
type Config struct {
	// Lanes bounds how many lanes of one topic are delivered at once (one
	// message in flight per lane). Default 4.
	Lanes int `yaml:"lanes"`
	// Capacity bounds the messages of one topic that are published and not yet
	// acked, in flight ones included; Publish blocks while the topic is full.
	// Default 64.
	Capacity int `yaml:"capacity"`
	// RetryDelay is how long a nacked message waits before it is delivered
	// again; the delay doubles with every further nack of the same message.
	// Default 100ms.
	RetryDelay time.Duration `yaml:"retry_delay"`
	// MaxRetryDelay caps the growing retry delay. Default 10s; never less than
	// RetryDelay.
	MaxRetryDelay time.Duration `yaml:"max_retry_delay"`
}

// Validate reports every field of a user-written Config that New would not
// take as it is (negative values; a cap below the delay), joined. It never
// fills in defaults: zero values are valid and mean "default".
func (c Config) Validate() error {
	var errs []error
	if c.Lanes < 0 {
		errs = append(errs, fmt.Errorf("lanes: must not be negative, got %d", c.Lanes))
	}
	if c.Capacity < 0 {
		errs = append(errs, fmt.Errorf("capacity: must not be negative, got %d", c.Capacity))
	}
	if c.RetryDelay < 0 {
		errs = append(errs, fmt.Errorf("retry_delay: must not be negative, got %s", c.RetryDelay))
	}
	if c.MaxRetryDelay < 0 {
		errs = append(errs, fmt.Errorf("max_retry_delay: must not be negative, got %s", c.MaxRetryDelay))
	}
	if c.RetryDelay > 0 && c.MaxRetryDelay > 0 && c.MaxRetryDelay < c.RetryDelay {
		errs = append(errs, fmt.Errorf("max_retry_delay: %s is less than retry_delay %s",
			c.MaxRetryDelay, c.RetryDelay))
	}
	return errors.Join(errs...)
}

// withDefaults returns c with every zero or negative field replaced by its
// default.
func (c Config) withDefaults() Config {
	if c.Lanes <= 0 {
		c.Lanes = DefaultLanes
	}
	if c.Capacity <= 0 {
		c.Capacity = DefaultCapacity
	}
	if c.RetryDelay <= 0 {
		c.RetryDelay = DefaultRetryDelay
	}
	if c.MaxRetryDelay <= 0 {
		c.MaxRetryDelay = DefaultMaxRetryDelay
	}
	if c.MaxRetryDelay < c.RetryDelay {
		c.MaxRetryDelay = c.RetryDelay
	}
	return c
}
