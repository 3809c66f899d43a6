package health

import (
	"net"
	"strconv"

	"github.com/sluicehq/sluice/conf"
)

// Config is the health section of sluice's configuration.
type Config struct {
	// Listen is the address the health endpoints (/healthz, /readyz) listen
	// on, e.g. ":8080"; "" (the default) serves none. When it is the same
	// string as the resolved telemetry.metrics.prometheus_listen and the
	// Prometheus exporter is on, sluice run serves them on the Prometheus
	// server (see telemetry.Providers.Handle).
	Listen string `yaml:"listen"`
}

// DefaultConfig returns the health configuration a file starts from: off,
// so that several processes on one host do not compete for a port.
func DefaultConfig() Config { return Config{} }

// Validate reports every problem of the configuration, each a
// *conf.FieldError naming its YAML path relative to the health section.
func (c Config) Validate() error {
	var errs conf.Errors
	if c.Listen == "" {
		return nil
	}
	if _, port, err := net.SplitHostPort(c.Listen); err != nil {
		errs.Addf("listen", "invalid address %q: want host:port or :port", c.Listen)
	} else if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		errs.Addf("listen", "invalid port %q in %q: want a number from 0 to 65535", port, c.Listen)
	}
	return errs.Err()
}
