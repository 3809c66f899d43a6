package deploy

import (
	"fmt"
	"os"
	"os/exec"

	"github.com/sluicehq/sluice/testing/proc"
)

// HelmModule is the Helm version the tests build (.ci/run reads it).
const HelmModule = "helm.sh/helm/v4/cmd/helm@v4.3.2"

// EnvHelm names the environment variable that points at a helm binary,
// which Helm then uses as is.
const EnvHelm = "SLUICE_HELM_BIN"

// Helm finds or builds helm: $SLUICE_HELM_BIN, else
// <os.UserCacheDir()>/sluice/bin/helm, built there with "go install
// HelmModule" when missing.
var Helm = proc.Tool{Name: "Helm", File: "helm", Env: EnvHelm, Build: installHelm}

// installHelm builds HelmModule into dir (go install names the binary helm).
func installHelm(dir, _ string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("finding the go command: %w", err)
	}
	cmd := exec.Command(goBin, "install", HelmModule)
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go install %s: %w\n%s", HelmModule, err, out)
	}
	return nil
}
