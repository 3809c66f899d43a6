package objstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// List walks the directory tree in key order. Within one directory, entry
// names are compared with a "/" appended to directory names: every key below
// an entry starts with that string, and no such string is a proper prefix of
// another one's, so visiting entries in this order yields keys in byte order.
// Names starting with a dot (temp and lock files) are skipped.
func (s *fileStore) List(ctx context.Context, prefix string, fn func(Object) error) error {
	// Start at the deepest directory the prefix names.
	dirKey := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dirKey = prefix[:i+1]
		if err := checkKey(dirKey[:i]); err != nil {
			return fmt.Errorf("listing %q: %w", prefix, err)
		}
		if err := checkFileSegments(dirKey[:i]); err != nil {
			return fmt.Errorf("listing %q: %w", prefix, err)
		}
	}
	dir := filepath.Join(s.root, filepath.FromSlash(dirKey))
	if err := s.walk(ctx, dir, dirKey, prefix, fn); err != nil {
		return fmt.Errorf("listing %q: %w", prefix, err)
	}
	return nil
}

type dirEntry struct {
	name, sortKey string
	dir           bool
}

func (s *fileStore) walk(ctx context.Context, dir, dirKey, prefix string, fn func(Object) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	des, err := os.ReadDir(dir)
	if isNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	entries := make([]dirEntry, 0, len(des))
	for _, de := range des {
		name := de.Name()
		switch {
		case strings.HasPrefix(name, "."):
		case de.IsDir():
			entries = append(entries, dirEntry{name: name, sortKey: name + "/", dir: true})
		case de.Type().IsRegular():
			entries = append(entries, dirEntry{name: name, sortKey: name})
		}
	}
	slices.SortFunc(entries, func(a, b dirEntry) int { return strings.Compare(a.sortKey, b.sortKey) })
	for _, e := range entries {
		key := dirKey + e.sortKey
		if e.dir {
			if strings.HasPrefix(key, prefix) || strings.HasPrefix(prefix, key) {
				if err := s.walk(ctx, filepath.Join(dir, e.name), key, prefix, fn); err != nil {
					return err
				}
			}
			continue
		}
		if !strings.HasPrefix(key, prefix) {
			continue
		}
		fi, err := os.Stat(filepath.Join(dir, e.name))
		if isNotExist(err) {
			continue // deleted since ReadDir
		}
		if err != nil {
			return err
		}
		if err := fn(Object{Key: key, Size: fi.Size()}); err != nil {
			return err
		}
	}
	return nil
}
