package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// ErrNoNode is wrapped by NPMPackages' error when node or npm is not on
// PATH.
var ErrNoNode = errors.New("node or npm is not on PATH (install Node.js 20 or newer)")

// npmTimeout bounds one install.
const npmTimeout = 5 * time.Minute

// NPMPackages makes sure the npm packages of the directory dir (a test
// harness's package.json and package-lock.json) are installed: it returns
// nil at once when every package named exists in dir's node_modules, and
// otherwise runs `npm ci`
// (the versions the lock file pins) under an exclusive lock, once for all
// the test processes that want it. node must be on PATH to run what it
// installs.
func NPMPackages(dir string, packages ...string) error {
	if _, err := exec.LookPath("node"); err != nil {
		return ErrNoNode
	}
	installed := func() bool {
		for _, p := range packages {
			if _, err := os.Stat(filepath.Join(dir, "node_modules", p, "package.json")); err != nil {
				return false
			}
		}
		return true
	}
	if installed() {
		return nil
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return ErrNoNode
	}
	unlock, err := Lock(filepath.Join(dir, ".install.lock"))
	if err != nil {
		return err
	}
	defer unlock()
	if installed() {
		return nil // another test process installed them meanwhile
	}
	ctx, cancel := context.WithTimeout(context.Background(), npmTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm ci in %s: %v: %s", dir, err, bytes.TrimSpace(out))
	}
	return nil
}
