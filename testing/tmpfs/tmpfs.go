// Package tmpfs mounts a small real filesystem for tests that must see a
// full disk (ENOSPC) where production would.
package tmpfs

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// Mount mounts a tmpfs of size bytes on a new temporary directory and
// unmounts it when the test ends. Mounting needs root (CI runs tests as
// root): without it the test skips locally and fails in CI (CI set).
func Mount(t testing.TB, size int64) string {
	t.Helper()
	dir := t.TempDir()
	if os.Geteuid() != 0 {
		fail(t, "mounting a tmpfs needs root")
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		fail(t, fmt.Sprintf("mounting a tmpfs on %s: %v: %s", dir, err, out))
	}
	// Registered after TempDir's cleanup, so it runs first.
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("unmounting the tmpfs on %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

func fail(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "" {
		t.Skip(why + " (run the test as root, as CI does)")
	}
	t.Fatal(why + "; CI runs the tests as root")
}
