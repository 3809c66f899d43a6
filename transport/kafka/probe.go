package kafka

// Probe: one connection to a broker with the configuration's TLS and SASL,
// before anything starts, so that a wrong password or certificate is one
// clear error at start instead of a client library's endless reconnects.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/IBM/sarama"
)

// SecurityError is a broker refusing sluice's TLS or SASL: an untrusted,
// missing or wrong certificate, wrong credentials, a mechanism the broker
// does not offer. It is a configuration problem that retrying does not fix.
type SecurityError struct {
	// Broker is the address of the broker that refused.
	Broker string
	// Mechanism is the SASL mechanism, empty for a TLS handshake, or "none"
	// when no SASL is configured and the broker closed the connection on
	// a request before authentication.
	Mechanism string
	// Reason says what went wrong, in a few words.
	Reason string
	// Err is the client library's error.
	Err error
}

// Error is one line: "kafka: authenticating to HOST:PORT with MECHANISM:
// reason", "kafka: TLS handshake with HOST:PORT: reason", or, when no SASL
// is configured but the broker wants it, "kafka: HOST:PORT: reason".
func (e *SecurityError) Error() string {
	switch e.Mechanism {
	case "":
		return fmt.Sprintf("kafka: TLS handshake with %s: %s", e.Broker, e.Reason)
	case noMechanism:
		return fmt.Sprintf("kafka: %s: %s", e.Broker, e.Reason)
	}
	return fmt.Sprintf("kafka: authenticating to %s with %s: %s", e.Broker, e.Mechanism, e.Reason)
}

// noMechanism is SecurityError.Mechanism when sluice sent no credentials
// and the broker wanted some.
const noMechanism = "none"

// Unwrap returns the client library's error.
func (e *SecurityError) Unwrap() error { return e.Err }

// IsSecurityError reports whether err is (or wraps) a *SecurityError.
func IsSecurityError(err error) bool {
	var se *SecurityError
	return errors.As(err, &se)
}

// Probe connects to the bootstrap brokers in turn, with cfg's TLS and
// SASL, until one accepts: first the TLS handshake and an ApiVersions
// request without SASL, then, when SASL is configured, a second connection
// that authenticates; the last connection also asks for metadata. It returns nil when a broker accepted, a
// *SecurityError as soon as one refuses the TLS handshake or the
// credentials, and otherwise an error naming every broker that could not be
// reached, after retrying as sarama's metadata refresh does (3 times, 250ms
// apart). Each connection is bounded by cfg.DialTimeout.
func Probe(ctx context.Context, cfg Config) error { return probe(ctx, cfg, true) }

// ProbeSecurity is Probe for a command that reports unreachable brokers in
// its own way: it tries each broker once and returns nil when none can be
// reached. It returns a *SecurityError when a broker refuses the TLS
// handshake or the credentials, and an error when the TLS or SASL settings
// cannot be loaded (an unreadable password file).
func ProbeSecurity(ctx context.Context, cfg Config) error {
	err := probe(ctx, cfg, false)
	var ue *unreachableError
	if errors.As(err, &ue) {
		return nil
	}
	return err
}

// unreachableError is Probe's error when no broker could be reached.
type unreachableError struct{ err error }

func (e *unreachableError) Error() string { return e.err.Error() }
func (e *unreachableError) Unwrap() error { return e.err }

func probe(ctx context.Context, cfg Config, retry bool) error {
	full, err := SaramaConfig(cfg)
	if err != nil {
		return err
	}
	noSASL := cfg
	noSASL.SASL = SASLConfig{}
	bare, err := SaramaConfig(noSASL)
	if err != nil {
		return err
	}
	for _, sc := range []*sarama.Config{full, bare} {
		sc.Net.ReadTimeout, sc.Net.WriteTimeout = cfg.DialTimeout, cfg.DialTimeout
	}
	done := make(chan error, 1)
	if !retry {
		full.Metadata.Retry.Max = 0
	}
	go func() { done <- probeBrokers(ctx, cfg, bare, full) }()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case err := <-done:
		return err
	}
}

// probeBrokers probes every broker in turn, and again after a backoff,
// like sarama's metadata refresh, while none can be reached (a broker
// restarting); a SecurityError ends it at once.
func probeBrokers(ctx context.Context, cfg Config, bare, full *sarama.Config) error {
	for attempt := 0; ; attempt++ {
		err := probeOnce(cfg, bare, full)
		if err == nil || IsSecurityError(err) || attempt >= full.Metadata.Retry.Max {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(full.Metadata.Retry.Backoff):
		}
	}
}

func probeOnce(cfg Config, bare, full *sarama.Config) error {
	var errs []error
	sasl := cfg.SASL.Enabled()
	for _, addr := range cfg.Brokers {
		// Without SASL the first connection is the whole probe: it also
		// asks for metadata, which a broker that wants SASL refuses.
		err := connectOnce(addr, bare, !sasl)
		var unauth *unauthenticatedError
		switch {
		case errors.As(err, &unauth):
			return &SecurityError{Broker: addr, Mechanism: noMechanism, Err: unauth.err,
				Reason: "the broker closed the connection on a request without authentication: does it require SASL? (see kafka.sasl)"}
		case err != nil && (isDialError(err) || !cfg.TLS.Enabled):
			errs = append(errs, fmt.Errorf("%s: %w%s", addr, err, plaintextHint(cfg, err)))
			continue
		case err != nil:
			return &SecurityError{Broker: addr, Reason: tlsReason(err), Err: err}
		case !sasl:
			return nil
		}
		if err := connectOnce(addr, full, true); err != nil {
			return &SecurityError{Broker: addr, Mechanism: cfg.SASL.Mechanism, Reason: saslReason(err), Err: err}
		}
		return nil
	}
	return &unreachableError{fmt.Errorf("connecting to kafka brokers %s: %w", strings.Join(cfg.Brokers, ","), errors.Join(errs...))}
}

// connectOnce opens one connection to addr (TLS handshake and SASL
// included, as sc says), asks for the API versions and, with metadata, for
// the cluster's metadata (no topics), and closes it. A connection closed on
// the metadata request is an *unauthenticatedError.
func connectOnce(addr string, sc *sarama.Config, metadata bool) error {
	b := sarama.NewBroker(addr)
	if err := b.Open(sc); err != nil {
		return err
	}
	defer func() { _ = b.Close() }()
	if _, err := b.Connected(); err != nil {
		return err
	}
	if _, err := b.ApiVersions(&sarama.ApiVersionsRequest{}); err != nil || !metadata {
		return err
	}
	_, err := b.GetMetadata(&sarama.MetadataRequest{Version: 1, Topics: []string{}})
	if err != nil && closedByPeer(err) && !sc.Net.SASL.Enable {
		return &unauthenticatedError{err: err}
	}
	return err
}

// unauthenticatedError is a broker closing the connection on a request
// that needs authentication, when sluice sent none.
type unauthenticatedError struct{ err error }

func (e *unauthenticatedError) Error() string { return e.err.Error() }

// isDialError reports an error of the TCP connect itself: the broker is
// unreachable, which may pass.
func isDialError(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "dial"
}

// closedByPeer reports a connection the other side closed or reset.
func closedByPeer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// plaintextHint suggests TLS when a plaintext connection was closed.
func plaintextHint(cfg Config, err error) string {
	if !cfg.TLS.Enabled && !isDialError(err) && closedByPeer(err) {
		return " (the broker closed the connection: does it expect TLS? see kafka.tls)"
	}
	return ""
}

// tlsReason says in a few words why a TLS connection failed.
func tlsReason(err error) string {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		header   tls.RecordHeaderError
		oe       *net.OpError
	)
	switch {
	case errors.As(err, &unknown):
		return "the broker's certificate is signed by an unknown authority (set kafka.tls.ca_file to the CA that signed it)"
	case errors.As(err, &hostname):
		return fmt.Sprintf("the broker's certificate is not valid for this name: %v (set kafka.tls.server_name?)", hostname.Error())
	case errors.As(err, &invalid):
		return "the broker's certificate is invalid: " + invalid.Error()
	case errors.As(err, &header):
		return "the broker does not speak TLS on this port"
	case errors.As(err, &oe) && oe.Op == "remote error":
		msg := oe.Err.Error()
		if strings.Contains(msg, "certificate") {
			return "the broker refused the handshake: " + msg +
				" (does it require a client certificate? set kafka.tls.cert_file and key_file)"
		}
		return "the broker refused the handshake: " + msg
	case closedByPeer(err):
		return "the broker closed the connection during the handshake (does it speak TLS on this port?): " + err.Error()
	case errors.As(err, &oe) && oe.Timeout():
		return "no answer to the handshake within kafka.dial_timeout (does the broker speak TLS on this port?)"
	default:
		return err.Error()
	}
}

// saslReason says in a few words why authentication failed.
func saslReason(err error) string {
	switch {
	case errors.Is(err, sarama.ErrSASLAuthenticationFailed):
		return "invalid credentials (" + err.Error() + ")"
	case errors.Is(err, sarama.ErrUnsupportedSASLMechanism):
		return "the broker does not offer this mechanism"
	case errors.Is(err, sarama.ErrIllegalSASLState):
		return "the broker refused the exchange (" + err.Error() + ")"
	case closedByPeer(err):
		return "invalid credentials (the broker closed the connection during authentication)"
	default:
		return err.Error()
	}
}
