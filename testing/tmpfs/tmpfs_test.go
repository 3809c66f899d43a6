package tmpfs_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/testing/tmpfs"
)

func TestMountIsSmall(t *testing.T) {
	dir := tmpfs.Mount(t, 1<<20)
	err := os.WriteFile(filepath.Join(dir, "big"), make([]byte, 2<<20), 0o644)
	require.True(t, errors.Is(err, syscall.ENOSPC), "writing 2 MiB to a 1 MiB tmpfs: %v", err)
}
