package duckdb_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/testing/duckdb"
)

func TestQuery(t *testing.T) {
	tests := []struct {
		name string
		sql  string
		want []map[string]any
	}{
		{"integer and text", "SELECT 42 AS n, 'a' AS s", []map[string]any{{"n": float64(42), "s": "a"}}},
		{"bigint as string", "SELECT 9007199254740993::BIGINT AS n", []map[string]any{{"n": "9007199254740993"}}},
		{"null", "SELECT NULL AS n", []map[string]any{{"n": nil}}},
		{"several rows", "SELECT * FROM range(3) t(i) ORDER BY i",
			[]map[string]any{{"i": "0"}, {"i": "1"}, {"i": "2"}}},
		{"no rows", "SELECT 1 AS n WHERE false", []map[string]any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := duckdb.Query(t, tt.sql)
			if len(tt.want) == 0 {
				assert.Empty(t, got)
				return
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestAvailable(t *testing.T) {
	err := duckdb.Available()
	if err == nil {
		return
	}
	require.ErrorIs(t, err, duckdb.ErrUnavailable)
	if os.Getenv("CI") != "" {
		t.Fatalf("CI is set and %v", err)
	}
	t.Skipf("%v; CI is unset, skipping", err)
}
