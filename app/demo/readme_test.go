package demo

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReadmeQuotesTheDemo keeps the README's demo excerpt in step with what
// the demo prints.
func TestReadmeQuotesTheDemo(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	broker := "127.0.0.1:9092"
	for _, cmd := range []string{
		Render(KcatProduce, broker, "/abs/path/sluice-demo-output"),
		Render(DuckDBCount, broker, "/abs/path/sluice-demo-output"),
		"go run ./cmd/sluice demo",
	} {
		require.Contains(t, string(readme), cmd, "README.md must quote the demo's text")
	}
}
