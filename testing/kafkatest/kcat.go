package kafkatest

import (
	"os"
	"os/exec"
	"testing"
)

// Kcat finds kcat, the independent Kafka client (librdkafka) tests check
// sluice against. Without it the test skips locally and fails in CI (CI set),
// where .ci/run installs it.
func Kcat(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("kcat")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("kcat not installed (apt-get install kcat)")
		}
		t.Fatal("kcat not installed; .ci/run installs it with apt-get install kcat")
	}
	return p
}
