package pipeline

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/transport/schemareg"
)

// TestSchemaRegistryConfig: the schema_registry section decodes (one URL
// or a list), takes secrets from the environment, hides them when printed,
// and makes a topic's avro parser valid without a schema file.
func TestSchemaRegistryConfig(t *testing.T) {
	cfg, err := parseWith([]byte(`
kafka: {brokers: ["k:9092"], topics: [users]}
destination: {url: "file:///tmp/out"}
schema_registry:
  url: http://sr:8081
  basic_auth: {username: sluice, password: "${SR_PASSWORD}"}
  timeout: 3s
defaults:
  parser: {type: avro, time: {field: created_at}}
`), env(map[string]string{"SR_PASSWORD": "pa55"}))
	require.NoError(t, err)
	assert.Equal(t, schemareg.Config{URL: schemareg.URLs{"http://sr:8081"},
		BasicAuth: schemareg.BasicAuth{Username: "sluice", Password: "pa55"}, Timeout: 3 * time.Second}, cfg.SchemaRegistry)
	out := cfg.String()
	assert.NotContains(t, out, "pa55")
	again, err := parseWith([]byte(out), env(nil))
	require.NoError(t, err)
	assert.Equal(t, cfg.Redacted().SchemaRegistry, again.SchemaRegistry)

	cfg, err = parseWith([]byte(`
kafka: {brokers: ["k:9092"], topics: [users]}
destination: {url: "file:///tmp/out"}
schema_registry: {url: [http://sr-1:8081, http://sr-2:8081], bearer_token: "${TOKEN}"}
`), env(map[string]string{"TOKEN": "t0k3n"}))
	require.NoError(t, err)
	assert.Equal(t, schemareg.URLs{"http://sr-1:8081", "http://sr-2:8081"}, cfg.SchemaRegistry.URL)
	assert.NotContains(t, cfg.String(), "t0k3n")
}
