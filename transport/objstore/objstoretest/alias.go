package objstoretest

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/sluicehq/sluice/transport/objstore"
)

// Counter counts what went through the stores of a FileAlias scheme.
type Counter struct {
	opens, calls atomic.Int64
}

// Opens is the number of stores opened.
func (c *Counter) Opens() int64 { return c.opens.Load() }

// Calls is the number of Store method calls made on them.
func (c *Counter) Calls() int64 { return c.calls.Load() }

// FileAlias registers scheme as a store of its own that keeps its objects
// like the file store: "scheme:///abs/path" opens the file store at
// /abs/path, every call counted by the returned Counter. It is a real
// store registered the way a program registers one (objstore.Register),
// for tests that prove a registered scheme reaches every command. It
// fails if scheme is taken; register it once per process.
func FileAlias(scheme string) (*Counter, error) {
	c := &Counter{}
	err := objstore.Register(scheme, objstore.Factory{
		Open: func(ctx context.Context, u *url.URL, s3 objstore.S3Config, set objstore.Settings) (objstore.Store, error) {
			st, err := objstore.Open(ctx, "file://"+u.Host+u.Path, s3, set)
			if err != nil {
				return nil, fmt.Errorf("opening %s: %w", u, err)
			}
			c.opens.Add(1)
			return &counted{Store: st, c: c, scheme: scheme}, nil
		},
		CheckURL: func(u *url.URL) []error {
			if u.Path == "" || u.Path[0] != '/' || (u.Host != "" && u.Host != "localhost") {
				return []error{fmt.Errorf("%q: want %s:///absolute/path", u, scheme)}
			}
			return nil
		},
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// counted is a store that counts its calls.
type counted struct {
	objstore.Store
	c      *Counter
	scheme string
}

func (s *counted) Put(ctx context.Context, key, path string) (objstore.Object, error) {
	s.c.calls.Add(1)
	return s.Store.Put(ctx, key, path)
}

func (s *counted) Get(ctx context.Context, key string) ([]byte, string, error) {
	s.c.calls.Add(1)
	return s.Store.Get(ctx, key)
}

func (s *counted) PutIf(ctx context.Context, key string, data []byte, ifMatch string) (string, error) {
	s.c.calls.Add(1)
	return s.Store.PutIf(ctx, key, data, ifMatch)
}

func (s *counted) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	s.c.calls.Add(1)
	return s.Store.Open(ctx, key)
}

func (s *counted) List(ctx context.Context, prefix string, fn func(objstore.Object) error) error {
	s.c.calls.Add(1)
	return s.Store.List(ctx, prefix, fn)
}

func (s *counted) Delete(ctx context.Context, key string) error {
	s.c.calls.Add(1)
	return s.Store.Delete(ctx, key)
}

func (s *counted) String() string {
	return s.scheme + ":" + strings.TrimPrefix(s.Store.String(), "file:")
}
