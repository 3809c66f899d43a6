package proc

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// BuildGo compiles the command pkg (an import path of this module) into
// BinDir as <name>-<sha256 prefix>, named by its content, and returns the
// binary's path. Test processes that build at the same time share Go's
// build cache (which serialises the compile) and each moves its result into
// place with an atomic rename, so none sees a partial binary and no lock is
// needed.
func BuildGo(pkg, name string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("finding the go command: %w", err)
	}
	out, err := exec.Command(goBin, "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("finding the module root: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("finding the module root: not inside a Go module")
	}
	dir, err := BinDir()
	if err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, "."+name+"-*")
	if err != nil {
		return "", fmt.Errorf("creating a temp file in %s: %w", dir, err)
	}
	_ = tmp.Close()
	defer func() { _ = os.Remove(tmp.Name()) }() // a no-op once renamed

	cmd := exec.Command(goBin, "build", "-o", tmp.Name(), pkg)
	cmd.Dir = filepath.Dir(gomod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
	}
	sum, err := hashFile(tmp.Name())
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, name+"-"+sum[:16])
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	if err := os.Rename(tmp.Name(), bin); err != nil {
		return "", fmt.Errorf("installing %s: %w", bin, err)
	}
	return bin, nil
}

// hashFile returns the hex SHA-256 of a file's content.
func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hashing %s: %w", path, err)
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hashing %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
