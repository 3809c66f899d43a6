package schemareg

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
)

// Retries of a lookup that got no usable answer: at most retryAttempts
// tries, pausing retryBackoff, then twice that, and so on, and never past
// the request's deadline (Config.Timeout).
const (
	retryAttempts = 4
	retryBackoff  = 100 * time.Millisecond
)

// New builds the Schema Registry client of cfg, or returns nil when cfg
// configures none. It reads the TLS files now. The client is safe for
// concurrent use and holds idle connections only; it needs no closing.
func New(cfg Config) (*sr.Client, error) {
	if !cfg.Configured() {
		return nil, nil
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	if cfg.TLS.set() {
		tc, err := cfg.TLS.kafka().Build()
		if err != nil {
			return nil, fmt.Errorf("schema_registry.tls: %w", err)
		}
		base.TLSClientConfig = tc
	}
	opts := []sr.ClientOpt{
		sr.URLs(append([]string(nil), cfg.URL...)...),
		sr.HTTPClient(&http.Client{Transport: &retrying{base: base}, Timeout: cfg.Timeout}),
		sr.UserAgent("sluice"),
		sr.LogLevel(sr.LogLevelNone),
	}
	if cfg.BasicAuth.Username != "" {
		opts = append(opts, sr.BasicAuth(cfg.BasicAuth.Username, cfg.BasicAuth.Password))
	}
	if cfg.BearerToken != "" {
		opts = append(opts, sr.BearerToken(cfg.BearerToken))
	}
	cl, err := sr.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("building the schema registry client: %w", err)
	}
	return cl, nil
}

// NotFound reports whether err is the registry's answer that what was
// asked for does not exist (HTTP 404: an unknown schema id, subject or
// version; 422: one it cannot process), an answer asking again will not
// change, as opposed to a registry that could not be asked.
func NotFound(err error) bool {
	var re *sr.ResponseError
	return errors.As(err, &re) && (re.StatusCode == http.StatusNotFound || re.StatusCode == http.StatusUnprocessableEntity)
}

// retrying is an http.RoundTripper that tries GET and HEAD requests again
// when they fail to connect or get 429 or a 5xx, within their context's
// deadline.
type retrying struct{ base http.RoundTripper }

// RoundTrip sends req, trying idempotent requests again on transient
// failures.
func (t *retrying) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		return t.base.RoundTrip(req)
	}
	pause := retryBackoff
	for attempt := 1; ; attempt++ {
		resp, err := t.base.RoundTrip(req)
		if attempt == retryAttempts || !transient(resp, err) {
			return resp, err
		}
		if resp != nil {
			_ = resp.Body.Close()
		}
		timer := time.NewTimer(pause)
		select {
		case <-req.Context().Done():
			timer.Stop()
			if err == nil {
				err = fmt.Errorf("registry answered %s", resp.Status)
			}
			return nil, fmt.Errorf("%w (after %d attempts: %w)", req.Context().Err(), attempt, err)
		case <-timer.C:
		}
		pause *= 2
	}
}

// transient reports whether a request's outcome might differ if tried
// again.
func transient(resp *http.Response, err error) bool {
	if err != nil {
		var cert *tls.CertificateVerificationError
		return !errors.As(err, &cert) // a refused certificate stays refused
	}
	return resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
}
