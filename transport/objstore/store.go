package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel/trace"
)

// Store is where sluice's files and progress records live. Keys are relative
// to the destination's prefix
// ("events/dt=2026-11-22/hr=01/events+0+00000000000000001000.parquet",
// "_sluice/progress/events/0.json"): slash-separated, not empty, not starting
// with "/" and without "." or ".." segments. The file store also refuses
// segments starting with a dot and a key that is a directory of another
// ("a" when "a/b" exists), so portable callers avoid both.
//
// Safe for concurrent use. Every method blocks until its work is done or ctx
// is done. Errors wrap ErrNotExist, ErrPrecondition, ErrAccessDenied or
// ErrNoBucket where those apply, and ErrInvalidKey for a key the store
// refuses.
type Store interface {
	// Put stores the local file at path under key, replacing any object
	// there, and blocks until it is stored or ctx is done. Readers never see
	// a partial object. Large files go up in multipart parts.
	Put(ctx context.Context, key, path string) (Object, error)
	// Get reads a small object (at most MaxSmallObject bytes) whole and
	// returns its ETag. ErrNotExist if there is none.
	Get(ctx context.Context, key string) ([]byte, string, error)
	// PutIf writes a small object only if the condition holds: ifMatch == ""
	// means "only if no object exists" (If-None-Match: *); otherwise "only if
	// the current ETag equals ifMatch" (If-Match). Returns the new ETag;
	// ErrPrecondition when the condition does not hold (also when ifMatch is
	// set and there is no object). The write is atomic: concurrent PutIf
	// calls with the same condition have at most one winner.
	//
	// A store that retries a request internally may see its own earlier,
	// successful attempt fail the condition; it then reads the object back
	// and reports success if the object holds exactly data.
	PutIf(ctx context.Context, key string, data []byte, ifMatch string) (string, error)
	// Open streams an object. ErrNotExist if there is none. The caller
	// closes the reader; ctx bounds the whole read.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// List calls fn for every object whose key starts with prefix, in key
	// order (byte-wise), one call at a time; it stops at and returns fn's
	// error. Objects written during the listing may or may not be seen.
	List(ctx context.Context, prefix string, fn func(Object) error) error
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// String describes the store for logs ("s3://bucket/prefix").
	String() string
}

// Streamer is a Store that takes an object as it is written, with no local
// copy of it: the file store (a temp file beside the object, renamed into
// place) and the S3 store (one PutObject for a small object, multipart parts
// sent as they fill up for a large one). Callers that hold no file check for
// it and fall back to a temp file and Put.
type Streamer interface {
	// PutStream stores under key what write writes to w, replacing any
	// object there, once write returns nil; readers never see a partial
	// object. write is called once, on the calling goroutine; w is valid
	// only until it returns and need not be buffered by the caller beyond
	// what its own writes need. When write fails, or ctx is done, nothing is
	// stored and PutStream returns the error (write's wrapped). A failed
	// PutStream is retried by calling it again: the store never asks for
	// the bytes twice (a part sent again is sent from the store's own copy).
	PutStream(ctx context.Context, key string, write func(w io.Writer) error) (Object, error)
}

// Object describes a stored object.
type Object struct {
	// Key is the object's key relative to the store's prefix.
	Key string
	// Size is the object's length in bytes.
	Size int64
	// ETag is the object's entity tag, quoted as S3 sends it. The file store
	// leaves it empty in List results (it would have to hash every file).
	ETag string
}

// MaxSmallObject is the largest object Get reads whole.
const MaxSmallObject = 16 << 20

var (
	// ErrNotExist means there is no object under the key.
	ErrNotExist = errors.New("object does not exist")
	// ErrPrecondition means a conditional write's condition did not hold:
	// someone else created or changed the object.
	ErrPrecondition = errors.New("precondition failed")
	// ErrAccessDenied means the store refused the credentials or the
	// permissions; retrying does not help.
	ErrAccessDenied = errors.New("access denied")
	// ErrNoBucket means the destination bucket does not exist.
	ErrNoBucket = errors.New("bucket does not exist")
	// ErrInvalidKey means a key is malformed or escapes the store's root.
	ErrInvalidKey = errors.New("invalid key")
)

// Settings carries what the program injects into a store.
type Settings struct {
	// Logger receives debug and warning logs; nil discards them.
	Logger *slog.Logger
	// HTTPClient is the S3 store's HTTP client (for tests and proxies); nil
	// uses the SDK's default.
	HTTPClient *http.Client
	// TracerProvider receives a client span per S3 operation; nil records
	// none.
	TracerProvider trace.TracerProvider
	// RequestStats, when set, counts the S3 store's retries and failed
	// operations (the file store does not retry).
	RequestStats *RequestStats
}

// Open returns the store for a destination URL: "s3://bucket[/prefix]",
// "file:///abs/path", or a URL of a scheme a program registered (Register).
// For S3 it checks that the bucket is reachable with the configured
// credentials (one List request), so a wrong setup fails here with a clear
// message instead of at the first upload.
func Open(ctx context.Context, rawURL string, s3cfg S3Config, set Settings) (Store, error) {
	if set.Logger == nil {
		set.Logger = slog.New(slog.DiscardHandler)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("parsing destination URL: %w", err)
	}
	f, err := lookupScheme(u)
	if err != nil {
		return nil, fmt.Errorf("opening destination: %w", err)
	}
	st, err := f.Open(ctx, u, s3cfg, set)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, fmt.Errorf("opening destination %q: %w", rawURL, errNoStore)
	}
	return st, nil
}

// checkKey validates the rules every store shares.
func checkKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty key", ErrInvalidKey)
	case strings.HasPrefix(key, "/"):
		return fmt.Errorf("%w: %q is absolute", ErrInvalidKey, key)
	case strings.HasSuffix(key, "/"):
		return fmt.Errorf("%w: %q ends with a slash", ErrInvalidKey, key)
	case strings.ContainsRune(key, 0):
		return fmt.Errorf("%w: %q contains a NUL byte", ErrInvalidKey, key)
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch seg {
		case "..":
			return fmt.Errorf("%w: %q escapes the store's root", ErrInvalidKey, key)
		case ".", "":
			return fmt.Errorf("%w: %q has an empty or \".\" segment", ErrInvalidKey, key)
		}
	}
	return nil
}
