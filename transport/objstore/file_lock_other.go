//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package objstore

import "os"

// lockFile does nothing on systems without a file lock wrapper here: the
// in-process mutex still serialises writers within one process, but two
// processes sharing a file store are not safe on these systems.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) error { return nil }

// syncDir syncs dir where the system allows it.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil //nolint:nilerr // best effort on these systems
	}
	defer func() { _ = d.Close() }()
	_ = d.Sync()
	return nil
}
