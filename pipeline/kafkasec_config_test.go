package pipeline

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/transport/kafka"
)

// TestKafkaSecurityConfig: the kafka.tls and kafka.sasl sections decode,
// take the password from the environment, hide it when printed, and report
// mistakes with their path (and line, for unknown keys).
func TestKafkaSecurityConfig(t *testing.T) {
	data := []byte(`
kafka:
  brokers: ["k:9093"]
  topics: [t]
  tls:
    enabled: true
    server_name: broker.example.com
    min_version: "1.3"
  sasl:
    mechanism: SCRAM-SHA-512
    username: sluice
    password: ${KAFKA_PASSWORD}
destination: {url: "file:///tmp/out"}
`)
	cfg, err := parseWith(data, env(map[string]string{"KAFKA_PASSWORD": "pa55-w0rd"}))
	require.NoError(t, err)
	assert.Equal(t, kafka.TLSConfig{Enabled: true, ServerName: "broker.example.com", MinVersion: "1.3"}, cfg.Kafka.TLS)
	assert.Equal(t, kafka.SASLConfig{Mechanism: "SCRAM-SHA-512", Username: "sluice", Password: "pa55-w0rd"}, cfg.Kafka.SASL)
	out := cfg.String()
	assert.NotContains(t, out, "pa55-w0rd")
	assert.Contains(t, out, "password: '[REDACTED]'")
	assert.Equal(t, "pa55-w0rd", cfg.Kafka.SASL.Password, "Redacted must not change the original")
	assert.Equal(t, kafka.TLSVersion12, DefaultConfig().Kafka.TLS.MinVersion)

	_, err = parseWith([]byte(`
kafka:
  brokers: ["k:9093"]
  topics: [t]
  tls: {enabld: true}
  sasl: {mechanism: SCRAM, username: u, password: p, password_file: /nonexistent/pw}
destination: {url: "file:///tmp/out"}
`), env(nil))
	require.Error(t, err)
	fes := FieldErrors(err)
	require.Len(t, fes, 1, "unknown keys are reported before validation")
	assert.Equal(t, "kafka.tls.enabld", fes[0].Path)
	assert.Equal(t, 5, fes[0].Line)

	_, err = parseWith([]byte(`
kafka:
  brokers: ["k:9093"]
  topics: [t]
  tls: {cert_file: /nonexistent/c.pem}
  sasl: {mechanism: SCRAM, username: u}
destination: {url: "file:///tmp/out"}
`), env(nil))
	var paths []string
	for _, fe := range FieldErrors(err) {
		paths = append(paths, fe.Path)
	}
	assert.Equal(t, []string{"kafka.tls.cert_file", "kafka.sasl.mechanism"}, paths)
}
