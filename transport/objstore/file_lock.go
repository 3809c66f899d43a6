package objstore

import (
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
)

const (
	// lockDir holds the lock files that serialise writers of one key between
	// processes. Like temp files it starts with a dot, so List skips it.
	lockDir = ".locks"
	// lockStripes is how many lock files (and in-process mutexes) keys are
	// spread over; keys that share a stripe merely wait for each other.
	lockStripes = 64
)

// lock takes the key's stripe lock: the in-process mutex first, so
// goroutines do not park OS threads in the file lock, then the file lock.
func (s *fileStore) lock(key string) (unlock func(), err error) {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	stripe := h.Sum32() % lockStripes
	s.locks[stripe].Lock()
	name := filepath.Join(s.root, lockDir, fmt.Sprintf("%02x.lock", stripe))
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o644)
	if err == nil {
		if err = lockFile(f); err != nil {
			_ = f.Close()
		}
	}
	if err != nil {
		s.locks[stripe].Unlock()
		return nil, fmt.Errorf("locking %q: %w", key, err)
	}
	return func() {
		if err := unlockFile(f); err != nil {
			s.log.Warn("unlocking key", "key", key, "err", err)
		}
		_ = f.Close()
		s.locks[stripe].Unlock()
	}, nil
}
