package minio

import (
	"fmt"
	"os"
	"os/exec"

	"github.com/sluicehq/sluice/testing/proc"
)

// Module is the MinIO version Binary builds.
const Module = "github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c"

// EnvBinary names the environment variable that points at a MinIO binary,
// which Binary then uses as is.
const EnvBinary = "SLUICE_MINIO_BIN"

// tool finds or builds MinIO.
var tool = proc.Tool{Name: "MinIO", File: "minio", Env: EnvBinary, Build: goInstall}

// Binary finds the MinIO binary: $SLUICE_MINIO_BIN, else
// <os.UserCacheDir()>/sluice/bin/minio. If the cached binary is missing it
// builds it there with "go install" (a few minutes), holding a file lock so
// that test binaries running in parallel build it once.
func Binary() (string, error) { return tool.Path() }

// goInstall builds Module into dir (go install names the binary bin).
func goInstall(dir, _ string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("finding the go command: %w", err)
	}
	cmd := exec.Command(goBin, "install", Module)
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go install %s: %w\n%s", Module, err, out)
	}
	return nil
}
