package buffer

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
)

// SpillBytes returns, per topic, the bytes of the files under the buffer
// directory: spill files of open rounds and of sealed rounds not yet
// committed (the commit stage removes them), and files being encoded. It
// walks the directory, so call it seldom (at metric collection), never per
// record. Files removed during the walk are left out.
func (s *Stage) SpillBytes() (map[string]int64, error) {
	out := map[string]int64{}
	err := filepath.WalkDir(s.cfg.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(s.cfg.Dir, path)
		if err != nil {
			return err
		}
		topic, _, ok := strings.Cut(filepath.ToSlash(rel), "/")
		if !ok {
			return nil // the lock file
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		out[topic] += info.Size()
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("measuring buffer dir: %w", err)
	}
	return out, nil
}
