package kafka

import (
	"crypto/tls"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/testing/kafkatest"
)

// TestSecurityValidate: every mistake of the tls and sasl sections is
// reported, all at once, with its path.
func TestSecurityValidate(t *testing.T) {
	certs := kafkatest.NewCerts(t)
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.pem")
	notPEM := writeTemp(t, "not.pem", "hello")
	pw := writeTemp(t, "pw", "secret\n")
	empty := writeTemp(t, "empty", "\n")
	tests := []struct {
		name   string
		mutate func(*Config)
		want   []string
	}{
		{"tls off by default", func(*Config) {}, nil},
		{"tls with CA", func(c *Config) { c.TLS = TLSConfig{Enabled: true, CAFile: certs.CAFile, MinVersion: "1.3"} }, nil},
		{"mtls", func(c *Config) {
			c.TLS = TLSConfig{Enabled: true, CertFile: certs.ClientCert, KeyFile: certs.ClientKey, MinVersion: "1.2"}
		}, nil},
		{"tls fields without enabled", func(c *Config) {
			c.TLS = TLSConfig{CAFile: certs.CAFile, ServerName: "k", InsecureSkipVerify: true, MinVersion: "1.2"}
		}, []string{
			"tls.ca_file: set, but tls.enabled is false (set enabled: true to use TLS)",
			"tls.server_name: set, but tls.enabled is false (set enabled: true to use TLS)",
			"tls.insecure_skip_verify: set, but tls.enabled is false (set enabled: true to use TLS)",
		}},
		{"bad min version", func(c *Config) { c.TLS = TLSConfig{Enabled: true, MinVersion: "1.1"} },
			[]string{`tls.min_version: unknown TLS version "1.1" (want 1.2 or 1.3)`}},
		{"unreadable and non-PEM CA", func(c *Config) { c.TLS = TLSConfig{Enabled: true, CAFile: missing, MinVersion: "1.2"} },
			[]string{"tls.ca_file: cannot read " + missing + ": no such file or directory"}},
		{"CA not PEM", func(c *Config) { c.TLS = TLSConfig{Enabled: true, CAFile: notPEM, MinVersion: "1.2"} },
			[]string{"tls.ca_file: " + notPEM + " holds no PEM certificate"}},
		{"cert without key", func(c *Config) { c.TLS = TLSConfig{Enabled: true, CertFile: certs.ClientCert, MinVersion: "1.2"} },
			[]string{"tls.key_file: required with cert_file (the client certificate's private key)"}},
		{"key without cert", func(c *Config) { c.TLS = TLSConfig{Enabled: true, KeyFile: certs.ClientKey, MinVersion: "1.2"} },
			[]string{"tls.cert_file: required with key_file (the client certificate)"}},
		{"cert missing, no key", func(c *Config) { c.TLS = TLSConfig{Enabled: true, CertFile: missing, MinVersion: "1.2"} }, []string{
			"tls.cert_file: cannot read " + missing + ": no such file or directory",
			"tls.key_file: required with cert_file (the client certificate's private key)",
		}},
		{"cert missing", func(c *Config) {
			c.TLS = TLSConfig{Enabled: true, CertFile: missing, KeyFile: certs.ClientKey, MinVersion: "1.2"}
		}, []string{"tls.cert_file: cannot read " + missing + ": no such file or directory"}},
		{"cert and key mismatch", func(c *Config) {
			c.TLS = TLSConfig{Enabled: true, CertFile: certs.ClientCert, KeyFile: certs.ServerKey, MinVersion: "1.2"}
		}, []string{"tls.cert_file: loading the client certificate and key: tls: private key does not match public key"}},

		{"scram", func(c *Config) { c.SASL = SASLConfig{Mechanism: "SCRAM-SHA-512", Username: "u", Password: "p"} }, nil},
		{"plain with password file", func(c *Config) { c.SASL = SASLConfig{Mechanism: "PLAIN", Username: "u", PasswordFile: pw} }, nil},
		{"oauth file", func(c *Config) {
			c.SASL = SASLConfig{Mechanism: "OAUTHBEARER", OAuth: OAuthConfig{TokenFile: pw}}
		}, nil},
		{"oauth command", func(c *Config) {
			c.SASL = SASLConfig{Mechanism: "OAUTHBEARER", OAuth: OAuthConfig{TokenCommand: []string{"sh", "-c", "echo t"}}}
		}, nil},
		{"msk", func(c *Config) {
			c.SASL = SASLConfig{Mechanism: "AWS_MSK_IAM", AWSMSKIAM: MSKIAMConfig{Region: "us-east-1", RoleARN: "arn:aws:iam::1:role/r"}}
		}, nil},
		{"unknown mechanism", func(c *Config) { c.SASL = SASLConfig{Mechanism: "scram-sha-512"} },
			[]string{`sasl.mechanism: unknown SASL mechanism "scram-sha-512" (want one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER, AWS_MSK_IAM)`}},
		{"fields without mechanism", func(c *Config) {
			c.SASL = SASLConfig{Username: "u", Password: "p", OAuth: OAuthConfig{TokenFile: pw}}
		}, []string{
			"sasl.username: set, but sasl.mechanism is empty (SASL is off)",
			"sasl.password: set, but sasl.mechanism is empty (SASL is off)",
			"sasl.oauth.token_file: set, but sasl.mechanism is empty (SASL is off)",
		}},
		{"username and password missing", func(c *Config) { c.SASL = SASLConfig{Mechanism: "SCRAM-SHA-256"} }, []string{
			"sasl.username: required with mechanism SCRAM-SHA-256",
			"sasl.password: required with mechanism SCRAM-SHA-256 (or password_file)",
		}},
		{"password and password file", func(c *Config) {
			c.SASL = SASLConfig{Mechanism: "PLAIN", Username: "u", Password: "p", PasswordFile: pw}
		}, []string{"sasl.password_file: give password or password_file, not both"}},
		{"password file missing", func(c *Config) {
			c.SASL = SASLConfig{Mechanism: "PLAIN", Username: "u", PasswordFile: missing}
		}, []string{"sasl.password_file: cannot read " + missing + ": no such file or directory"}},
		{"password file empty", func(c *Config) {
			c.SASL = SASLConfig{Mechanism: "PLAIN", Username: "u", PasswordFile: empty}
		}, []string{"sasl.password_file: " + empty + " is empty"}},
		{"scram with oauth and msk fields", func(c *Config) {
			c.SASL = SASLConfig{Mechanism: "SCRAM-SHA-512", Username: "u", Password: "p",
				OAuth: OAuthConfig{TokenFile: pw}, AWSMSKIAM: MSKIAMConfig{Region: "us-east-1"}}
		}, []string{
			"sasl.oauth.token_file: not used by mechanism SCRAM-SHA-512",
			"sasl.aws_msk_iam.region: not used by mechanism SCRAM-SHA-512",
		}},
		{"oauth without source", func(c *Config) { c.SASL = SASLConfig{Mechanism: "OAUTHBEARER", Username: "u"} }, []string{
			"sasl.oauth: mechanism OAUTHBEARER needs oauth.token_file or oauth.token_command",
			"sasl.username: not used by mechanism OAUTHBEARER",
		}},
		{"oauth both sources", func(c *Config) {
			c.SASL = SASLConfig{Mechanism: "OAUTHBEARER", OAuth: OAuthConfig{TokenFile: pw, TokenCommand: []string{"true"}}}
		}, []string{"sasl.oauth.token_command: give oauth.token_file or oauth.token_command, not both"}},
		{"oauth token file missing", func(c *Config) {
			c.SASL = SASLConfig{Mechanism: "OAUTHBEARER", OAuth: OAuthConfig{TokenFile: missing}}
		}, []string{"sasl.oauth.token_file: cannot read " + missing + ": no such file or directory"}},
		{"oauth command not found", func(c *Config) {
			c.SASL = SASLConfig{Mechanism: "OAUTHBEARER", OAuth: OAuthConfig{TokenCommand: []string{"no-such-token-helper"}}}
		}, []string{`sasl.oauth.token_command[0]: cannot find program "no-such-token-helper": executable file not found in $PATH`}},
		{"msk without region, bad arn, password", func(c *Config) {
			c.SASL = SASLConfig{Mechanism: "AWS_MSK_IAM", Password: "p", AWSMSKIAM: MSKIAMConfig{RoleARN: "role/r"}}
		}, []string{
			"sasl.aws_msk_iam.region: required with mechanism AWS_MSK_IAM (the cluster's region, e.g. us-east-1)",
			`sasl.aws_msk_iam.role_arn: "role/r" is not an ARN (arn:aws:iam::ACCOUNT:role/NAME)`,
			"sasl.password: not used by mechanism AWS_MSK_IAM (credentials come from the AWS default chain)",
		}},
		{"msk session name without role", func(c *Config) {
			c.SASL = SASLConfig{Mechanism: "AWS_MSK_IAM", AWSMSKIAM: MSKIAMConfig{Region: "us-east-1", SessionName: "s"}}
		}, []string{"sasl.aws_msk_iam.session_name: needs aws_msk_iam.role_arn"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.mutate(&c)
			assert.Equal(t, tt.want, conf.Messages(c.Validate()))
		})
	}
}

// TestTLSBuild: the built configuration carries what the section says.
func TestTLSBuild(t *testing.T) {
	certs := kafkatest.NewCerts(t)
	tc, err := TLSConfig{MinVersion: "1.2"}.Build()
	require.NoError(t, err)
	assert.Nil(t, tc, "TLS off")
	tc, err = TLSConfig{Enabled: true, CAFile: certs.CAFile, CertFile: certs.ClientCert, KeyFile: certs.ClientKey,
		ServerName: "broker.example.com", MinVersion: "1.3"}.Build()
	require.NoError(t, err)
	assert.Equal(t, uint16(tls.VersionTLS13), tc.MinVersion)
	assert.Equal(t, "broker.example.com", tc.ServerName)
	assert.NotNil(t, tc.RootCAs)
	assert.Len(t, tc.Certificates, 1)
	assert.False(t, tc.InsecureSkipVerify)
	tc, err = TLSConfig{Enabled: true, MinVersion: "1.2"}.Build()
	require.NoError(t, err)
	assert.Equal(t, uint16(tls.VersionTLS12), tc.MinVersion)
	assert.Nil(t, tc.RootCAs, "the system's roots")
}

// TestRedactedAndWarnings: the password never leaves Redacted; risky
// settings are named in Warnings.
func TestRedactedAndWarnings(t *testing.T) {
	c := validConfig()
	c.SASL = SASLConfig{Mechanism: MechanismPlain, Username: "u", Password: "hunter2"}
	r := c.Redacted()
	assert.Equal(t, RedactedValue, r.SASL.Password)
	assert.Equal(t, "u", r.SASL.Username)
	assert.Equal(t, "hunter2", c.SASL.Password, "the original is unchanged")
	assert.Empty(t, validConfig().Redacted().SASL.Password)
	require.Len(t, c.Warnings(), 1)
	assert.Contains(t, c.Warnings()[0], "PLAIN without kafka.tls")

	c.TLS = TLSConfig{Enabled: true, InsecureSkipVerify: true, MinVersion: "1.2"}
	require.Len(t, c.Warnings(), 1)
	assert.Contains(t, c.Warnings()[0], "insecure_skip_verify is set")
	assert.Empty(t, validConfig().Warnings())
}

// validConfig is a valid configuration without TLS or SASL.
func validConfig() Config {
	c := DefaultConfig()
	c.Brokers, c.Topics = []string{"localhost:9092"}, []string{"events"}
	return c
}
