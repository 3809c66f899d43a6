package schemareg

import (
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"
)

const userSchema = `{"type":"record","name":"User","fields":[{"name":"id","type":"string"}]}`

// seeded starts an srfake registry holding userSchema as id 1.
func seeded(t *testing.T, opts ...srfake.Option) *srfake.Registry {
	t.Helper()
	reg := srfake.New(opts...)
	t.Cleanup(reg.Close)
	reg.SeedSchema("user-value", 1, 1, sr.Schema{Schema: userSchema, Type: sr.TypeAvro})
	return reg
}

func TestNewNone(t *testing.T) {
	cl, err := New(DefaultConfig())
	require.NoError(t, err)
	assert.Nil(t, cl)
}

// TestAuth: the client sends basic auth or a bearer token; the registry
// refuses it without, and that is not NotFound.
func TestAuth(t *testing.T) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("sluice:s3cret"))
	for _, tc := range []struct {
		name string
		want string
		cfg  Config
	}{
		{"basic", basic, Config{BasicAuth: BasicAuth{"sluice", "s3cret"}}},
		{"bearer", "Bearer tok", Config{BearerToken: "tok"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := seeded(t, srfake.WithAuth(tc.want))
			cfg := tc.cfg
			cfg.URL, cfg.Timeout = URLs{reg.URL()}, 5*time.Second
			require.NoError(t, cfg.Validate())
			cl, err := New(cfg)
			require.NoError(t, err)
			s, err := cl.SchemaByID(t.Context(), 1)
			require.NoError(t, err)
			assert.Equal(t, userSchema, s.Schema)
			_, err = cl.SchemaByID(t.Context(), 2)
			assert.True(t, NotFound(err), "%v", err)

			anon, err := New(Config{URL: URLs{reg.URL()}, Timeout: 5 * time.Second})
			require.NoError(t, err)
			_, err = anon.SchemaByID(t.Context(), 1)
			require.Error(t, err)
			assert.False(t, NotFound(err))
		})
	}
}

// TestRetries: 5xx answers are tried again within the timeout; a registry
// that keeps failing gives up by the timeout; a dead first URL falls over
// to the second.
func TestRetries(t *testing.T) {
	reg := seeded(t)
	target, err := url.Parse(reg.URL())
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var calls, failFirst atomic.Int64
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= failFirst.Load() {
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(flaky.Close)

	failFirst.Store(2)
	cl, err := New(Config{URL: URLs{flaky.URL}, Timeout: 5 * time.Second})
	require.NoError(t, err)
	_, err = cl.SchemaByID(t.Context(), 1)
	require.NoError(t, err)
	assert.Equal(t, int64(3), calls.Load())

	calls.Store(0)
	failFirst.Store(1 << 30)
	start := time.Now()
	_, err = cl.SchemaByID(t.Context(), 1)
	require.Error(t, err)
	assert.False(t, NotFound(err))
	assert.Equal(t, int64(retryAttempts), calls.Load())
	assert.Less(t, time.Since(start), 5*time.Second)

	short, err := New(Config{URL: URLs{flaky.URL}, Timeout: 150 * time.Millisecond})
	require.NoError(t, err)
	start = time.Now()
	_, err = short.SchemaByID(t.Context(), 1)
	require.Error(t, err)
	assert.Less(t, time.Since(start), 2*time.Second, "the timeout bounds the retries")

	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	two, err := New(Config{URL: URLs{deadURL, reg.URL()}, Timeout: 5 * time.Second})
	require.NoError(t, err)
	_, err = two.SchemaByID(t.Context(), 1)
	require.NoError(t, err)
}

// TestTLS: an https registry is reached with its CA from tls.ca_file, and
// refused without it.
func TestTLS(t *testing.T) {
	reg := seeded(t)
	target, err := url.Parse(reg.URL())
	require.NoError(t, err)
	srv := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(target))
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))

	cfg := Config{URL: URLs{srv.URL}, Timeout: 5 * time.Second, TLS: TLSConfig{CAFile: ca}}
	require.NoError(t, cfg.Validate())
	cl, err := New(cfg)
	require.NoError(t, err)
	_, err = cl.SchemaByID(t.Context(), 1)
	require.NoError(t, err)

	cfg.TLS = TLSConfig{}
	cl, err = New(cfg)
	require.NoError(t, err)
	_, err = cl.SchemaByID(t.Context(), 1)
	require.ErrorContains(t, err, "certificate")
}
