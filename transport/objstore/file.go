package objstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
)

// fileStore keeps objects as files under root. Every change of a key's file
// (Put's rename, PutIf, Delete) happens under that key's lock, a mutex within
// the process plus an OS file lock between processes, so conditional writes
// are real compare-and-swaps. Files are written to dot-named temp files in
// the target directory, synced and renamed into place.
type fileStore struct {
	root  string
	log   *slog.Logger
	locks [lockStripes]sync.Mutex
}

// fileRoot turns "file:///abs/path" into an absolute OS path.
func fileRoot(u *url.URL) (string, error) {
	if u.Host != "" && u.Host != "localhost" {
		return "", fmt.Errorf("destination %q: file URLs need an absolute path (file:///abs/path)", u.String())
	}
	p := u.Path
	// "file:///C:/data" has the path "/C:/data" on Windows.
	if runtime.GOOS == "windows" && len(p) >= 3 && p[0] == '/' && p[2] == ':' {
		p = p[1:]
	}
	p = filepath.Clean(filepath.FromSlash(p))
	if u.Path == "" || !filepath.IsAbs(p) {
		return "", fmt.Errorf("destination %q: file URLs need an absolute path (file:///abs/path)", u.String())
	}
	return p, nil
}

func openFile(root string, set Settings) (*fileStore, error) {
	if err := os.MkdirAll(filepath.Join(root, lockDir), 0o755); err != nil {
		return nil, fmt.Errorf("creating store directory: %w", err)
	}
	return &fileStore{root: root, log: set.Logger}, nil
}

func (s *fileStore) String() string { return "file://" + filepath.ToSlash(s.root) }

// path maps a key to its file, refusing keys that could escape the root or
// collide with the store's hidden files.
func (s *fileStore) path(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	if err := checkFileSegments(key); err != nil {
		return "", err
	}
	return filepath.Join(s.root, filepath.FromSlash(key)), nil
}

// checkFileSegments adds the file store's own rules to checkKey's.
func checkFileSegments(key string) error {
	if strings.ContainsRune(key, '\\') {
		return fmt.Errorf("%w: %q contains a backslash", ErrInvalidKey, key)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if strings.HasPrefix(seg, ".") {
			return fmt.Errorf("%w: %q has a segment starting with a dot (reserved for temp and lock files)", ErrInvalidKey, key)
		}
	}
	return nil
}

func (s *fileStore) Put(ctx context.Context, key, path string) (Object, error) {
	dst, err := s.path(key)
	if err != nil {
		return Object{}, err
	}
	src, err := os.Open(path)
	if err != nil {
		return Object{}, fmt.Errorf("putting %q: %w", key, err)
	}
	defer func() { _ = src.Close() }()
	etag, size, err := s.replace(ctx, key, dst, copyFrom(ctx, src), func(string) error { return nil })
	if err != nil {
		return Object{}, fmt.Errorf("putting %q: %w", key, err)
	}
	return Object{Key: key, Size: size, ETag: etag}, nil
}

// PutStream writes what write writes to a temp file beside the key's file
// and renames it into place, as Put does.
func (s *fileStore) PutStream(ctx context.Context, key string, write func(io.Writer) error) (Object, error) {
	dst, err := s.path(key)
	if err != nil {
		return Object{}, err
	}
	etag, size, err := s.replace(ctx, key, dst, func(w io.Writer) error {
		if err := write(w); err != nil {
			return err
		}
		return ctx.Err()
	}, func(string) error { return nil })
	if err != nil {
		return Object{}, fmt.Errorf("putting %q: %w", key, err)
	}
	return Object{Key: key, Size: size, ETag: etag}, nil
}

// copyFrom is a write function copying r, stopping once ctx is done.
func copyFrom(ctx context.Context, r io.Reader) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.Copy(w, &ctxReader{ctx: ctx, r: r})
		return err
	}
}

func (s *fileStore) PutIf(ctx context.Context, key string, data []byte, ifMatch string) (string, error) {
	dst, err := s.path(key)
	if err != nil {
		return "", err
	}
	check := func(dst string) error {
		cur, err := os.ReadFile(dst)
		switch {
		case ifMatch == "" && err == nil:
			return fmt.Errorf("%w: %q already exists", ErrPrecondition, key)
		case ifMatch == "" && isNotExist(err):
			return nil
		case ifMatch != "" && isNotExist(err):
			return fmt.Errorf("%w: %q does not exist", ErrPrecondition, key)
		case err != nil:
			return err
		case fileETag(cur) != ifMatch:
			return fmt.Errorf("%w: %q has changed", ErrPrecondition, key)
		}
		return nil
	}
	etag, _, err := s.replace(ctx, key, dst, copyFrom(ctx, bytes.NewReader(data)), check)
	if err != nil {
		return "", fmt.Errorf("writing %q conditionally: %w", key, err)
	}
	return etag, nil
}

// replace writes what write writes to a temp file beside dst, syncs it,
// and under the key's lock runs check and renames the temp file over dst.
func (s *fileStore) replace(ctx context.Context, key, dst string, write func(io.Writer) error, check func(dst string) error) (etag string, size int64, err error) {
	dir := filepath.Dir(dst)
	if err := s.ensureDir(dir); err != nil {
		return "", 0, err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return "", 0, fmt.Errorf("creating temp file: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(tmp, h)}
	if err = write(cw); err != nil {
		return "", 0, fmt.Errorf("writing temp file: %w", err)
	}
	size = cw.n
	if err = tmp.Sync(); err != nil {
		return "", 0, fmt.Errorf("syncing temp file: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return "", 0, fmt.Errorf("closing temp file: %w", err)
	}
	unlock, err := s.lock(key)
	if err != nil {
		return "", 0, err
	}
	defer unlock()
	if err = check(dst); err != nil {
		return "", 0, err
	}
	if err = os.Rename(tmp.Name(), dst); err != nil {
		return "", 0, fmt.Errorf("renaming temp file: %w", err)
	}
	if err = syncDir(dir); err != nil {
		return "", 0, err
	}
	return quoteETag(h.Sum(nil)), size, nil
}

// ensureDir creates dir and its missing parents, syncing each parent so the
// new entries survive a crash.
func (s *fileStore) ensureDir(dir string) error {
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := s.ensureDir(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("creating directory: %w", err)
	}
	return syncDir(parent)
}

func (s *fileStore) Get(ctx context.Context, key string) ([]byte, string, error) {
	rc, err := s.Open(ctx, key)
	if err != nil {
		return nil, "", err
	}
	defer func() { _ = rc.Close() }()
	data, err := io.ReadAll(io.LimitReader(rc, MaxSmallObject+1))
	if err != nil {
		return nil, "", fmt.Errorf("reading %q: %w", key, err)
	}
	if len(data) > MaxSmallObject {
		return nil, "", fmt.Errorf("reading %q: object is larger than %d bytes", key, MaxSmallObject)
	}
	return data, fileETag(data), nil
}

func (s *fileStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if isNotExist(err) {
		return nil, fmt.Errorf("opening %q: %w", key, ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("opening %q: %w", key, err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, fmt.Errorf("opening %q: %w", key, ErrNotExist)
	}
	return &ctxReadCloser{ctxReader: ctxReader{ctx: ctx, r: f}, c: f}, nil
}

// Delete removes the key's file. Emptied directories stay: removing them
// would race with a concurrent Put into them, and List ignores them.
func (s *fileStore) Delete(_ context.Context, key string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	unlock, err := s.lock(key)
	if err != nil {
		return fmt.Errorf("deleting %q: %w", key, err)
	}
	defer unlock()
	if err := os.Remove(p); isNotExist(err) {
		return nil
	} else if err != nil {
		return fmt.Errorf("deleting %q: %w", key, err)
	}
	if err := syncDir(filepath.Dir(p)); err != nil {
		return fmt.Errorf("deleting %q: %w", key, err)
	}
	return nil
}

// fileETag is the file store's ETag: the quoted hex SHA-256 of the content.
func fileETag(data []byte) string {
	sum := sha256.Sum256(data)
	return quoteETag(sum[:])
}

func quoteETag(sum []byte) string { return `"` + hex.EncodeToString(sum) + `"` }

// isNotExist reports a missing file, also when a parent is a file.
func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// ctxReader stops a copy once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

type ctxReadCloser struct {
	ctxReader
	c io.Closer
}

func (c *ctxReadCloser) Close() error { return c.c.Close() }

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
