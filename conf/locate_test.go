package conf

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

func TestLocate(t *testing.T) {
	src := `kafka:
  brokers:
    - a:1
    - "bad"
  sasl:
    mechanism: NOPE
base: &b {x: 1}
copy: *b
destination: {}
`
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(src), &doc))
	var errs Errors
	errs.Addf("kafka.brokers[1]", "not host:port")
	errs.Addf("kafka.sasl.mechanism", "unknown")
	errs.Addf("kafka.sasl.username", "required")    // missing: its section's line
	errs.Addf("destination.url", "required")        // missing in a flow mapping
	errs.Addf("telemetry.metrics.exporters", "bad") // nothing of it in the file
	errs.Addf("copy.x", "through an alias")         // the anchored node's line
	errs.Add("", errors.New("document-wide"))       // no path, no line
	errs.errs = append(errs.errs, &FieldError{Path: "kafka", Line: 42, Err: errors.New("kept")})
	got := Messages(Locate(&doc, errs.Err()))
	assert.Equal(t, []string{
		"line 4: kafka.brokers[1]: not host:port",
		"line 6: kafka.sasl.mechanism: unknown",
		"line 5: kafka.sasl.username: required",
		"line 9: destination.url: required",
		"telemetry.metrics.exporters: bad",
		"line 7: copy.x: through an alias",
		"document-wide",
		"line 42: kafka: kept",
	}, got)
	assert.NoError(t, Locate(&doc, nil))
}

func TestSplitPath(t *testing.T) {
	assert.Equal(t, []string{"overrides", "[1]", "settings", "format"}, splitPath("overrides[1].settings.format"))
	assert.Equal(t, []string{"a", "[0]", "[2]"}, splitPath("a[0][2]"))
	assert.Equal(t, []string{"[3]"}, splitPath("[3]"))
}
