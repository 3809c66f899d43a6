package pipeline

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestS3SecurityDocConfigs checks that every destination example in
// docs/s3-security.md passes validation, with a real SSE-C key file in
// place of the one the example names.
func TestS3SecurityDocConfigs(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "s3-security.md"))
	require.NoError(t, err)
	keyFile := filepath.Join(t.TempDir(), "sse-c.key")
	require.NoError(t, os.WriteFile(keyFile, []byte(strings.Repeat("k", 32)), 0o600))
	keyPath := regexp.MustCompile(`customer_key_file: /\S+`)
	blocks := regexp.MustCompile("(?s)```yaml\n(destination:.*?)```").FindAllStringSubmatch(string(doc), -1)
	require.GreaterOrEqual(t, len(blocks), 5)
	for i, b := range blocks {
		yaml := "kafka: {brokers: [\"localhost:9092\"], topics: [events]}\nbuffer: {dir: " + filepath.Join(t.TempDir(), "buffer") + "}\n" +
			keyPath.ReplaceAllString(b[1], "customer_key_file: "+keyFile)
		_, err := parseWith([]byte(yaml), env(nil))
		require.NoError(t, err, "example %d:\n%s", i, b[1])
	}
}
