package kafka

// TLS to the brokers: one *tls.Config built from the kafka.tls section,
// handed to sarama (the consumer, ResolveTopics, Probe) and to franz-go (the
// Inspector) alike.

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/sluicehq/sluice/conf"
)

// TLS minimum versions kafka.tls.min_version accepts.
const (
	TLSVersion12 = "1.2"
	TLSVersion13 = "1.3"
)

// TLSConfig is how sluice speaks TLS to the brokers (kafka.tls). TLS is off
// unless Enabled is true; setting another field without it is a validation
// error, so a certificate is never silently unused.
type TLSConfig struct {
	// Enabled turns TLS on. Default false (plaintext).
	Enabled bool `yaml:"enabled"`
	// CAFile is a PEM file of the certificate authorities that sign the
	// brokers' certificates. Empty: the system's roots.
	CAFile string `yaml:"ca_file"`
	// CertFile is a PEM client certificate (chain) for mutual TLS; it needs
	// KeyFile. Read at start.
	CertFile string `yaml:"cert_file"`
	// KeyFile is the PEM private key of CertFile.
	KeyFile string `yaml:"key_file"`
	// ServerName is the name every broker's certificate must carry. Empty:
	// the host of the broker address being dialled.
	ServerName string `yaml:"server_name"`
	// MinVersion is the lowest TLS version accepted: "1.2" (default) or
	// "1.3".
	MinVersion string `yaml:"min_version"`
	// InsecureSkipVerify accepts any broker certificate, for tests only:
	// sluice logs a warning at start when it is set.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// Validate reports every problem of the tls section, each a FieldError
// with its path relative to it ("ca_file"). It reads the files it names:
// a CA file must hold a PEM certificate, a certificate its key.
func (c TLSConfig) Validate() error {
	var errs conf.Errors
	if c.MinVersion != TLSVersion12 && c.MinVersion != TLSVersion13 {
		errs.Addf("min_version", "unknown TLS version %q (want %s or %s)", c.MinVersion, TLSVersion12, TLSVersion13)
	}
	if !c.Enabled {
		for _, f := range []struct {
			path string
			set  bool
		}{
			{"ca_file", c.CAFile != ""}, {"cert_file", c.CertFile != ""}, {"key_file", c.KeyFile != ""},
			{"server_name", c.ServerName != ""}, {"insecure_skip_verify", c.InsecureSkipVerify},
		} {
			if f.set {
				errs.Addf(f.path, "set, but tls.enabled is false (set enabled: true to use TLS)")
			}
		}
		return errs.Err()
	}
	if c.CAFile != "" {
		if _, err := loadCAs(c.CAFile); err != nil {
			errs.Add("ca_file", err)
		}
	}
	var certErr, keyErr error
	if c.CertFile != "" {
		certErr = checkReadable(c.CertFile)
		errs.Add("cert_file", certErr)
	}
	if c.KeyFile != "" {
		keyErr = checkReadable(c.KeyFile)
		errs.Add("key_file", keyErr)
	}
	switch {
	case c.CertFile != "" && c.KeyFile == "":
		errs.Addf("key_file", "required with cert_file (the client certificate's private key)")
	case c.KeyFile != "" && c.CertFile == "":
		errs.Addf("cert_file", "required with key_file (the client certificate)")
	case c.CertFile != "" && certErr == nil && keyErr == nil:
		if _, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile); err != nil {
			errs.Addf("cert_file", "loading the client certificate and key: %v", err)
		}
	}
	return errs.Err()
}

// Build returns the TLS configuration for the brokers, or nil when TLS is
// off. It reads the CA file and the client certificate now. Its errors name
// the fields relative to the section ("reading ca_file: ..."); the caller
// says which section. The Schema Registry client (transport/schemareg)
// builds its TLS with it too.
func (c TLSConfig) Build() (*tls.Config, error) {
	if !c.Enabled {
		return nil, nil
	}
	tc := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         c.ServerName,
		InsecureSkipVerify: c.InsecureSkipVerify, //nolint:gosec // the user asked, and is warned at start
	}
	if c.MinVersion == TLSVersion13 {
		tc.MinVersion = tls.VersionTLS13
	}
	if c.CAFile != "" {
		pool, err := loadCAs(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading ca_file: %w", err)
		}
		tc.RootCAs = pool
	}
	if c.CertFile != "" || c.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("loading cert_file and key_file: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// loadCAs reads a PEM file of CA certificates.
func loadCAs(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, readError(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}

// checkReadable reports a file that cannot be read.
func checkReadable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return readError(err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory, not a file", path)
	}
	return nil
}

// readError shortens os errors for configuration messages.
func readError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("cannot read %s: %w", pe.Path, pe.Err)
	}
	return err
}
