package main

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/transport/kafka"
)

// TestSecureFlags: -tls-cert, -tls-key, -tls-client-ca and -sasl-user
// start a broker that sluice's clients reach only with the CA, a client
// certificate and the right SCRAM password.
func TestSecureFlags(t *testing.T) {
	certs := kafkatest.NewCerts(t)
	opts, err := parseFlags([]string{"-topics", "events:2", "-tls-cert", certs.ServerCert, "-tls-key", certs.ServerKey,
		"-tls-client-ca", certs.CAFile, "-sasl-user", "SCRAM-SHA-512:sluice:pa:ss", "-sasl-user", "PLAIN:ops:pw"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, []saslUser{{"SCRAM-SHA-512", "sluice", "pa:ss"}, {"PLAIN", "ops", "pw"}}, opts.users)
	var addr string
	cluster, err := kfake.NewCluster(clusterOpts(opts, &addr, io.Discard)...)
	require.NoError(t, err)
	defer cluster.Close()

	cfg := kafka.DefaultConfig()
	cfg.Brokers, cfg.Topics, cfg.DialTimeout = cluster.ListenAddrs(), []string{"events"}, 5*time.Second
	cfg.TLS = kafka.TLSConfig{Enabled: true, CAFile: certs.CAFile, CertFile: certs.ClientCert, KeyFile: certs.ClientKey,
		MinVersion: kafka.TLSVersion12}
	cfg.SASL = kafka.SASLConfig{Mechanism: kafka.MechanismSCRAMSHA512, Username: "sluice", Password: "pa:ss"}
	topics, err := kafka.ResolveTopics(t.Context(), cfg)
	require.NoError(t, err)
	assert.Equal(t, []string{"events"}, topics)

	cfg.SASL = kafka.SASLConfig{Mechanism: kafka.MechanismPlain, Username: "ops", Password: "pw"}
	require.NoError(t, kafka.Probe(t.Context(), cfg))

	cfg.SASL.Password = "wrong"
	err = kafka.Probe(t.Context(), cfg)
	assert.True(t, kafka.IsSecurityError(err), "%v", err)

	cfg.SASL.Password = "pw"
	cfg.TLS.CertFile, cfg.TLS.KeyFile = "", ""
	err = kafka.Probe(t.Context(), cfg)
	assert.True(t, kafka.IsSecurityError(err), "no client certificate: %v", err)
}

func TestSecureFlagErrors(t *testing.T) {
	certs := kafkatest.NewCerts(t)
	_, err := parseFlags([]string{"-tls-cert", certs.ServerCert, "-sasl-user", "SCRAM:u:p", "-sasl-user", "PLAIN:u"}, io.Discard)
	require.Error(t, err)
	assert.ErrorContains(t, err, "-tls-cert and -tls-key go together")
	assert.ErrorContains(t, err, `-sasl-user: "SCRAM:u:p": unknown mechanism "SCRAM"`)
	assert.ErrorContains(t, err, `-sasl-user: "PLAIN:u": want MECHANISM:USER:PASSWORD`)

	_, err = parseFlags([]string{"-tls-cert", certs.ServerCert, "-tls-key", certs.ClientKey}, io.Discard)
	assert.ErrorContains(t, err, "-tls-cert, -tls-key: tls: private key does not match public key")
	_, err = parseFlags([]string{"-tls-cert", certs.ServerCert, "-tls-key", certs.ServerKey, "-tls-client-ca", certs.ServerKey}, io.Discard)
	assert.ErrorContains(t, err, "holds no PEM certificate")
}
