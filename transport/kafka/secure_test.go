package kafka

import (
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/sluicehq/sluice/testing/kafkatest"
)

// secureConfig is a valid configuration for the cluster's first broker.
func secureConfig(kc *kafkatest.Cluster, topic string) Config {
	cfg := DefaultConfig()
	cfg.Brokers = kc.Brokers()
	cfg.Topics = []string{topic}
	cfg.DialTimeout = 5 * time.Second
	return cfg
}

// users are the SASL users every secure test cluster has.
var users = []kafkatest.User{
	{Mechanism: MechanismSCRAMSHA512, User: "sluice", Pass: "s3cr3t-512"},
	{Mechanism: MechanismSCRAMSHA256, User: "sluice", Pass: "s3cr3t-256"},
	{Mechanism: MechanismPlain, User: "sluice", Pass: "s3cr3t-plain"},
}

// requireWorks checks that every client of cfg reaches the cluster: the
// probe, ResolveTopics (sarama) and the Inspector (franz-go).
func requireWorks(t *testing.T, kc *kafkatest.Cluster, cfg Config, topic string) {
	t.Helper()
	require.NoError(t, Probe(t.Context(), cfg))
	topics, err := ResolveTopics(t.Context(), cfg)
	require.NoError(t, err)
	assert.Equal(t, []string{topic}, topics)
	kc.ProduceJSON(t, topic, 2, 10, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	in, err := NewInspector(cfg)
	require.NoError(t, err)
	defer in.Close()
	wm, err := in.Watermarks(t.Context(), topic)
	require.NoError(t, err)
	assert.Equal(t, int64(5), wm[0].End)
	p, err := in.PresentOffsets(t.Context(), topic, 0, 0, 4, 1<<20)
	require.NoError(t, err)
	assert.Equal(t, []OffsetRange{{0, 4}}, p.Present)
}

// TestSASLOverTLS connects with each mechanism kfake offers, over TLS, with
// sarama (Probe, ResolveTopics) and franz-go (the Inspector).
func TestSASLOverTLS(t *testing.T) {
	certs := kafkatest.NewCerts(t)
	const topic = "events"
	for _, u := range users {
		t.Run(u.Mechanism, func(t *testing.T) {
			kc := kafkatest.StartSecure(t, kafkatest.Security{
				ServerTLS: certs.ServerTLS(t, false), ClientTLS: certs.ClientTLS(t), Users: users}, 2, topic)
			cfg := secureConfig(kc, topic)
			cfg.TLS = TLSConfig{Enabled: true, CAFile: certs.CAFile, MinVersion: TLSVersion12}
			cfg.SASL = SASLConfig{Mechanism: u.Mechanism, Username: u.User, Password: u.Pass}
			require.NoError(t, cfg.Validate())
			requireWorks(t, kc, cfg, topic)
		})
	}
}

// TestSASLPasswordFile reads the password from a file, without TLS.
func TestSASLPasswordFile(t *testing.T) {
	const topic = "events"
	kc := kafkatest.StartSecure(t, kafkatest.Security{Users: users}, 2, topic)
	cfg := secureConfig(kc, topic)
	cfg.SASL = SASLConfig{Mechanism: MechanismSCRAMSHA256, Username: "sluice",
		PasswordFile: writeTemp(t, "password", users[1].Pass+"\n")}
	require.NoError(t, cfg.Validate())
	requireWorks(t, kc, cfg, topic)
}

// TestBadPasswordFailsFast: a wrong password is one SecurityError naming the
// broker and the mechanism, within seconds, from the probe and from
// ResolveTopics (where sluice run, verify and lag start).
func TestBadPasswordFailsFast(t *testing.T) {
	certs := kafkatest.NewCerts(t)
	const topic = "events"
	kc := kafkatest.StartSecure(t, kafkatest.Security{
		ServerTLS: certs.ServerTLS(t, false), ClientTLS: certs.ClientTLS(t), Users: users}, 1, topic)
	for _, mech := range []string{MechanismSCRAMSHA512, MechanismSCRAMSHA256, MechanismPlain} {
		t.Run(mech, func(t *testing.T) {
			cfg := secureConfig(kc, topic)
			cfg.TLS = TLSConfig{Enabled: true, CAFile: certs.CAFile, MinVersion: TLSVersion12}
			cfg.SASL = SASLConfig{Mechanism: mech, Username: "sluice", Password: "wrong"}
			began := time.Now()
			_, err := ResolveTopics(t.Context(), cfg)
			require.Error(t, err)
			assert.Less(t, time.Since(began), 5*time.Second)
			var se *SecurityError
			require.True(t, errors.As(err, &se), "%v", err)
			assert.Equal(t, kc.Brokers()[0], se.Broker)
			assert.Equal(t, "kafka: authenticating to "+kc.Brokers()[0]+" with "+mech+
				": invalid credentials (the broker closed the connection during authentication)", err.Error())
		})
	}
}

// TestMutualTLS: a broker that requires a client certificate accepts
// sluice's, and refuses sluice without one at once, with a clear error.
func TestMutualTLS(t *testing.T) {
	certs := kafkatest.NewCerts(t)
	const topic = "events"
	kc := kafkatest.StartSecure(t, kafkatest.Security{ServerTLS: certs.ServerTLS(t, true), ClientTLS: certs.ClientTLS(t)}, 2, topic)
	cfg := secureConfig(kc, topic)
	cfg.TLS = TLSConfig{Enabled: true, CAFile: certs.CAFile, CertFile: certs.ClientCert, KeyFile: certs.ClientKey,
		ServerName: "localhost", MinVersion: TLSVersion13}
	require.NoError(t, cfg.Validate())
	requireWorks(t, kc, cfg, topic)

	cfg.TLS.CertFile, cfg.TLS.KeyFile = "", ""
	began := time.Now()
	_, err := ResolveTopics(t.Context(), cfg)
	require.Error(t, err)
	assert.Less(t, time.Since(began), 5*time.Second)
	var se *SecurityError
	require.True(t, errors.As(err, &se), "%v", err)
	assert.Empty(t, se.Mechanism)
	assert.Contains(t, err.Error(), "kafka: TLS handshake with "+kc.Brokers()[0]+": the broker refused the handshake")
	assert.Contains(t, err.Error(), "set kafka.tls.cert_file and key_file")
}

// TestTLSMistakes: an untrusted broker certificate and TLS to a plaintext
// listener are SecurityErrors saying so; plaintext to a TLS listener is
// not (the broker only closes the connection) but hints at TLS.
func TestTLSMistakes(t *testing.T) {
	certs := kafkatest.NewCerts(t)
	const topic = "events"
	tlsKC := kafkatest.StartSecure(t, kafkatest.Security{ServerTLS: certs.ServerTLS(t, false), ClientTLS: certs.ClientTLS(t)}, 1, topic)
	plainKC := kafkatest.Start(t, 1, topic)

	cfg := secureConfig(tlsKC, topic)
	cfg.TLS = TLSConfig{Enabled: true, CAFile: certs.OtherCAFile, MinVersion: TLSVersion12}
	err := Probe(t.Context(), cfg)
	require.True(t, IsSecurityError(err), "%v", err)
	assert.Contains(t, err.Error(), "signed by an unknown authority (set kafka.tls.ca_file")

	cfg.TLS.CAFile = certs.CAFile
	cfg.TLS.ServerName = "kafka.example.com"
	err = Probe(t.Context(), cfg)
	require.True(t, IsSecurityError(err), "%v", err)
	assert.Contains(t, err.Error(), "not valid for this name")

	cfg = secureConfig(plainKC, topic)
	cfg.DialTimeout = time.Second
	cfg.TLS = TLSConfig{Enabled: true, CAFile: certs.CAFile, MinVersion: TLSVersion12}
	err = Probe(t.Context(), cfg)
	require.True(t, IsSecurityError(err), "%v", err)
	// kfake waits for the rest of a "request" as long as the ClientHello
	// says; a Kafka broker closes the connection.
	assert.Contains(t, err.Error(), "does the broker speak TLS on this port?")

	cfg = secureConfig(tlsKC, topic)
	err = Probe(t.Context(), cfg)
	require.Error(t, err)
	assert.False(t, IsSecurityError(err))
	assert.Contains(t, err.Error(), "does it expect TLS?")
}

// TestSASLMistakes: no SASL against a broker that wants it, and a mechanism
// the user has no credentials for, are SecurityErrors saying so.
func TestSASLMistakes(t *testing.T) {
	const topic = "events"
	kc := kafkatest.StartSecure(t, kafkatest.Security{Users: users[:1]}, 1, topic)
	cfg := secureConfig(kc, topic)
	began := time.Now()
	_, err := ResolveTopics(t.Context(), cfg)
	assert.Less(t, time.Since(began), 5*time.Second)
	require.True(t, IsSecurityError(err), "%v", err)
	assert.Equal(t, "kafka: "+kc.Brokers()[0]+": the broker closed the connection on a request without authentication: "+
		"does it require SASL? (see kafka.sasl)", err.Error())

	cfg.SASL = SASLConfig{Mechanism: MechanismSCRAMSHA256, Username: "sluice", Password: users[0].Pass}
	err = ProbeSecurity(t.Context(), cfg)
	require.True(t, IsSecurityError(err), "%v", err)
	assert.Contains(t, err.Error(), "with SCRAM-SHA-256: invalid credentials")
}

// TestProbeRetriesUnreachable: a broker that is not up yet (restarting) is
// tried again, as sarama's metadata refresh would, before Probe gives up.
func TestProbeRetriesUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	cfg := validConfig()
	cfg.Brokers = []string{net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}

	began := time.Now()
	err = Probe(t.Context(), cfg)
	require.ErrorContains(t, err, "connecting to kafka brokers "+cfg.Brokers[0])
	require.ErrorContains(t, err, "connection refused")
	assert.False(t, IsSecurityError(err))
	assert.GreaterOrEqual(t, time.Since(began), 750*time.Millisecond, "three retries 250ms apart")
	began = time.Now()
	assert.NoError(t, ProbeSecurity(t.Context(), cfg), "unreachable is left to the caller")
	assert.Less(t, time.Since(began), 500*time.Millisecond, "ProbeSecurity does not retry")

	done := make(chan error, 1)
	go func() { done <- Probe(t.Context(), cfg) }()
	time.Sleep(100 * time.Millisecond)
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port))
	require.NoError(t, err)
	defer kc.Close()
	require.NoError(t, <-done, "the broker came up while Probe retried")
}
