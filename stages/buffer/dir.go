package buffer

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"github.com/sluicehq/sluice/model"
)

// MarkerName is the file that marks a directory as a sluice buffer
// directory. sluice creates it in a new or empty directory and holds a lock
// on it while it runs.
const MarkerName = ".sluice-buffer"

// ErrDirNotOwned is returned by Start for a directory that holds files but no
// marker: sluice did not create it and will not write to it.
var ErrDirNotOwned = errors.New("buffer dir is not empty and was not created by sluice")

// earlierLock is the lock file of sluice versions that did not mark their
// buffer dir: such a dir is refused like any other, with advice of its own.
const earlierLock = ".lock"

// spillSuffix ends the name of every round's spill directory:
// "<topic>+<partition>+<start, 20 digits>.<n>.spill", n a number the
// process gives each round it opens.
const spillSuffix = ".spill"

// spillFile matches the files the buffer and the upload stage write in a
// round's spill directory: "<n>.arrow" and its encoded copy "<n>.arrow.out",
// and the round's dead-letter lines (deadLetterFile).
var spillFile = regexp.MustCompile(`^([0-9]+\.arrow(\.out)?|rejected\.jsonl)$`)

const markerText = `This directory is a sluice buffer (buffer.dir). sluice created it and keeps
spill files of rounds not yet archived here, in "*.spill" directories, which
it removes when they are archived or at its next start. It never removes
anything else. Give each sluice process its own directory.
`

// roundDirName is the name of the spill directory of the round of a
// partition starting at start, the process's seq-th round. Unlike the
// round's output files, its spill directory is unique to this incarnation of
// the round: a partition revoked and assigned again while its earlier round
// is still being uploaded starts a new round at the same offset, and the
// two must not share (and remove) each other's spill files.
func roundDirName(topic string, partition int32, start int64, seq uint64) string {
	return model.FileName(topic, partition, start) + "." + strconv.FormatUint(seq, 10) + spillSuffix
}

// parseRoundDir reads a name made by roundDirName ('+' never occurs in a
// Kafka topic name).
func parseRoundDir(name string) (topic string, partition int32, start int64, ok bool) {
	stem, found := strings.CutSuffix(name, spillSuffix)
	if !found {
		return "", 0, 0, false
	}
	stem, seqText, found := cutLast(stem, ".")
	if _, err := strconv.ParseUint(seqText, 10, 64); !found || err != nil {
		return "", 0, 0, false
	}
	rest, startText, found := cutLast(stem, "+")
	if !found || len(startText) != 20 {
		return "", 0, 0, false
	}
	topic, partText, found := cutLast(rest, "+")
	if !found || topic == "" {
		return "", 0, 0, false
	}
	p, err := strconv.ParseInt(partText, 10, 32)
	if err != nil || p < 0 {
		return "", 0, 0, false
	}
	start, err = strconv.ParseInt(startText, 10, 64)
	if err != nil {
		return "", 0, 0, false
	}
	return topic, int32(p), start, true
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// takeDir makes dir the buffer's: it creates it (or claims it when empty)
// with the marker, refuses a non-empty directory without one, and locks the
// marker so two sluice processes never share a directory. It returns the
// locked marker.
func takeDir(dir string) (*os.File, error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("creating buffer dir: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("reading buffer dir: %w", err)
	}
	owned, earlier := false, false
	for _, e := range entries {
		switch e.Name() {
		case MarkerName:
			owned = true
		case earlierLock:
			earlier = true
		}
	}
	if !owned && earlier {
		return nil, fmt.Errorf("%w: %s holds a %s file, so it looks like the buffer dir of a sluice from before buffer dirs were marked: once no sluice runs on it, delete it (what it holds is read again from Kafka) or set buffer.dir to a new directory",
			ErrDirNotOwned, dir, earlierLock)
	}
	if !owned && len(entries) > 0 {
		return nil, fmt.Errorf("%w: %s holds %d entries (such as %q) and no %s file; sluice keeps its spill files only in a directory it created: set buffer.dir to a new or empty directory",
			ErrDirNotOwned, dir, len(entries), entries[0].Name(), MarkerName)
	}
	if !owned {
		if err := os.WriteFile(filepath.Join(dir, MarkerName), []byte(markerText), 0o644); err != nil {
			return nil, fmt.Errorf("marking buffer dir: %w", err)
		}
	}
	f, err := os.OpenFile(filepath.Join(dir, MarkerName), os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("opening buffer dir marker: %w", err)
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

// cleanDir removes what an earlier run left in dir: the spill directories of
// rounds that were never committed (their records are read again from
// Kafka), and in them only the files the buffer and the upload stage write.
// Anything else is left alone and logged.
func cleanDir(dir string, log *slog.Logger) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("reading buffer dir: %w", err)
	}
	var unknown []string
	rounds := 0
	for _, e := range entries {
		name := e.Name()
		if name == MarkerName {
			continue
		}
		if _, _, _, ok := parseRoundDir(name); !ok || !e.IsDir() {
			unknown = append(unknown, name)
			continue
		}
		rounds++
		left, err := cleanRoundDir(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		for _, l := range left {
			unknown = append(unknown, name+"/"+l)
		}
	}
	if rounds > 0 {
		log.Info("removed the spill files an earlier run left; their records are read again from Kafka",
			"dir", dir, "rounds", rounds)
	}
	if len(unknown) > 0 {
		log.Warn("the buffer dir holds files sluice did not write; leaving them alone",
			"dir", dir, "files", unknown[:min(len(unknown), 10)], "count", len(unknown))
	}
	return nil
}

// cleanRoundDir removes a round's spill files, then the directory if that
// emptied it; it returns the names of the entries it left.
func cleanRoundDir(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading spill dir: %w", err)
	}
	var left []string
	for _, e := range entries {
		if e.IsDir() || !spillFile.MatchString(e.Name()) {
			left = append(left, e.Name())
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("removing a left-over spill file: %w", err)
		}
	}
	if len(left) == 0 {
		if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("removing a left-over spill dir: %w", err)
		}
	}
	return left, nil
}
