package schemareg

import (
	"fmt"
	"net/url"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/transport/kafka"
)

// Config is the "schema_registry:" section: where the Schema Registry is
// and how to talk to it. The zero Config (no URL) means none is
// configured.
type Config struct {
	// URL is the registry's base URL, or a list of them (tried in order
	// when one does not connect): "http://sr:8081", "https://sr:8081".
	// Empty: no registry.
	URL URLs `yaml:"url"`
	// BasicAuth sends a username and password with every request.
	BasicAuth BasicAuth `yaml:"basic_auth"`
	// BearerToken sends "Authorization: Bearer <token>" with every
	// request; it excludes basic_auth. Redacted when printed.
	BearerToken string `yaml:"bearer_token"`
	// TLS adjusts the TLS of https URLs (custom CA, client certificate).
	TLS TLSConfig `yaml:"tls"`
	// Timeout bounds one lookup, its retries included. Default 10s.
	Timeout time.Duration `yaml:"timeout"`
}

// URLs is one URL or a list of them; YAML takes either.
type URLs []string

// UnmarshalYAML reads a string or a list of strings.
func (u *URLs) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		var s string
		if err := n.Decode(&s); err != nil {
			return err
		}
		*u = URLs{s}
		return nil
	}
	var l []string
	if err := n.Decode(&l); err != nil {
		return fmt.Errorf("want a URL or a list of URLs: %w", err)
	}
	*u = nil // an empty list is no URL, like a missing key
	if len(l) > 0 {
		*u = l
	}
	return nil
}

// BasicAuth is HTTP basic authentication.
type BasicAuth struct {
	// Username is the user name. Required with password.
	Username string `yaml:"username"`
	// Password is the password; write "${ENV_VAR}" rather than the
	// secret itself. Redacted when printed.
	Password string `yaml:"password"`
}

// TLSConfig adjusts TLS to the registry. It applies to https URLs, and
// setting it with only http URLs is a validation error.
type TLSConfig struct {
	// CAFile is a PEM file of the certificate authorities that sign the
	// registry's certificate. Empty: the system's roots.
	CAFile string `yaml:"ca_file"`
	// CertFile is a PEM client certificate (chain) for mutual TLS; it
	// needs KeyFile.
	CertFile string `yaml:"cert_file"`
	// KeyFile is the PEM private key of CertFile.
	KeyFile string `yaml:"key_file"`
	// ServerName is the name the registry's certificate must carry.
	// Empty: the URL's host.
	ServerName string `yaml:"server_name"`
	// InsecureSkipVerify accepts any certificate, for tests only.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// set reports whether any field is set.
func (c TLSConfig) set() bool { return c != TLSConfig{} }

// kafka returns c as the kafka section's TLS type, whose loading it
// shares.
func (c TLSConfig) kafka() kafka.TLSConfig {
	return kafka.TLSConfig{Enabled: true, MinVersion: kafka.TLSVersion12, CAFile: c.CAFile, CertFile: c.CertFile,
		KeyFile: c.KeyFile, ServerName: c.ServerName, InsecureSkipVerify: c.InsecureSkipVerify}
}

// DefaultTimeout is the default of Config.Timeout.
const DefaultTimeout = 10 * time.Second

// DefaultConfig returns the section's defaults: no registry, and the
// timeout used once one is configured.
func DefaultConfig() Config { return Config{Timeout: DefaultTimeout} }

// Configured reports whether the section names a registry.
func (c Config) Configured() bool { return len(c.URL) > 0 }

// Validate reports every problem of the section, each a conf.FieldError
// with its path relative to it ("url[1]", "tls.ca_file"). A section
// without URL must set nothing else. It reads the TLS files it names.
func (c Config) Validate() error {
	var errs conf.Errors
	https := false
	for i, u := range c.URL {
		pu, err := url.Parse(u)
		switch {
		case err != nil:
			errs.Addf(conf.Index("url", i), "invalid URL %q: %v", u, err)
		case pu.Scheme != "http" && pu.Scheme != "https":
			errs.Addf(conf.Index("url", i), "%q: want an http:// or https:// URL", u)
		case pu.Host == "":
			errs.Addf(conf.Index("url", i), "%q has no host", u)
		case pu.User != nil:
			errs.Addf(conf.Index("url", i), "%q carries credentials: use basic_auth", pu.Redacted())
		default:
			https = https || pu.Scheme == "https"
		}
	}
	if !c.Configured() {
		if c.BasicAuth != (BasicAuth{}) || c.BearerToken != "" || c.TLS.set() {
			errs.Addf("url", "required when the section sets anything else")
		}
	}
	switch {
	case c.BasicAuth.Username != "" && c.BasicAuth.Password == "":
		errs.Addf("basic_auth.password", "required with basic_auth.username")
	case c.BasicAuth.Password != "" && c.BasicAuth.Username == "":
		errs.Addf("basic_auth.username", "required with basic_auth.password")
	}
	if c.BearerToken != "" && c.BasicAuth != (BasicAuth{}) {
		errs.Addf("bearer_token", "excludes basic_auth (the registry takes one Authorization header)")
	}
	if c.TLS.set() {
		if !https && c.Configured() {
			errs.Addf("tls", "set, but no url is https://")
		}
		errs.Nest("tls", c.TLS.kafka().Validate())
	}
	if c.Timeout <= 0 {
		errs.Addf("timeout", "must be positive, got %s", c.Timeout)
	}
	return errs.Err()
}

// Redacted returns a copy of c with its secrets (basic_auth.password,
// bearer_token) replaced by kafka.RedactedValue, safe to print.
func (c Config) Redacted() Config {
	c.URL = append(URLs(nil), c.URL...)
	if c.BasicAuth.Password != "" {
		c.BasicAuth.Password = kafka.RedactedValue
	}
	if c.BearerToken != "" {
		c.BearerToken = kafka.RedactedValue
	}
	return c
}
