package schemareg

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/transport/kafka"
)

// TestURLsYAML: url takes one string or a list.
func TestURLsYAML(t *testing.T) {
	var c Config
	require.NoError(t, yaml.Unmarshal([]byte("url: http://a:8081"), &c))
	assert.Equal(t, URLs{"http://a:8081"}, c.URL)
	require.NoError(t, yaml.Unmarshal([]byte("url: [http://a:8081, https://b]"), &c))
	assert.Equal(t, URLs{"http://a:8081", "https://b"}, c.URL)
	assert.Error(t, yaml.Unmarshal([]byte("url: {a: b}"), &c))
}

// TestValidate: every problem at once, each with its path.
func TestValidate(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("not a certificate"), 0o600))
	for _, tc := range []struct {
		name  string
		cfg   Config
		paths []string
	}{
		{"none", DefaultConfig(), nil},
		{"plain", Config{URL: URLs{"http://sr:8081"}, Timeout: time.Second}, nil},
		{"basic", Config{URL: URLs{"https://sr"}, Timeout: time.Second, BasicAuth: BasicAuth{"u", "p"}}, nil},
		{"bearer", Config{URL: URLs{"http://sr"}, Timeout: time.Second, BearerToken: "t"}, nil},
		{"tls", Config{URL: URLs{"https://sr"}, Timeout: time.Second, TLS: TLSConfig{ServerName: "sr.example.com"}}, nil},
		{"settings without url", Config{Timeout: time.Second, BearerToken: "t"}, []string{"url"}},
		{"bad urls", Config{URL: URLs{"ftp://sr", "http://", "http://u:p@sr", "http://[::1"}, Timeout: time.Second},
			[]string{"url[0]", "url[1]", "url[2]", "url[3]"}},
		{"half basic, both auths, zero timeout", Config{URL: URLs{"http://sr"}, BasicAuth: BasicAuth{Username: "u"}, BearerToken: "t"},
			[]string{"basic_auth.password", "bearer_token", "timeout"}},
		{"tls over http, bad files", Config{URL: URLs{"http://sr"}, Timeout: time.Second,
			TLS: TLSConfig{CAFile: notPEM, CertFile: filepath.Join(dir, "missing.pem")}},
			[]string{"tls", "tls.ca_file", "tls.cert_file", "tls.key_file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var paths []string
			for _, fe := range conf.List(tc.cfg.Validate()) {
				paths = append(paths, fe.Path)
			}
			assert.Equal(t, tc.paths, paths)
		})
	}
}

// TestRedacted: secrets never leave Redacted, and the original keeps them.
func TestRedacted(t *testing.T) {
	c := Config{URL: URLs{"http://sr"}, BasicAuth: BasicAuth{"u", "secret"}, BearerToken: "tok"}
	r := c.Redacted()
	assert.Equal(t, kafka.RedactedValue, r.BasicAuth.Password)
	assert.Equal(t, kafka.RedactedValue, r.BearerToken)
	assert.Equal(t, "secret", c.BasicAuth.Password)
	assert.Empty(t, Config{}.Redacted().BearerToken)
}
