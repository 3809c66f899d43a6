package buffer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

const lockName = ".lock"

// lockDir takes an exclusive advisory lock on dir, so two sluice processes
// never share a buffer directory.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening buffer lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("buffer dir %s is in use by another sluice process (each process needs its own buffer.dir)", dir)
		}
		return nil, fmt.Errorf("locking buffer dir: %w", err)
	}
	return f, nil
}

func unlockDir(f *os.File) error {
	defer f.Close()
	return syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
