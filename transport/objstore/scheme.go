package objstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/plugin"
)

// Factory opens the stores of one URL scheme. Register adds one; Open and
// CheckURL find it by the destination URL's scheme, so a store a program
// registers works for every command that reads the destination ("sluice
// run", "verify" and "lag").
type Factory struct {
	// Open opens the store a destination URL of the scheme names. s3 is the
	// destination's s3 section; stores other than S3 ignore it. set.Logger
	// is never nil. It blocks until the store can be used or ctx is done;
	// it should check that the store answers, so that a wrong setup fails
	// at start with a clear message rather than at the first upload. The
	// store must keep the Store contract (run objstoretest.Contract on it).
	Open func(ctx context.Context, u *url.URL, s3 S3Config, set Settings) (Store, error)
	// CheckURL, when set, returns every problem of a destination URL of
	// the scheme, without any I/O: configuration loading and "sluice
	// validate" call it. Nil accepts every URL of the scheme (user,
	// query and fragment are refused for every scheme).
	CheckURL func(u *url.URL) []error
}

// scheme is a Factory under its scheme's name in the plugin registry.
type scheme struct {
	name string
	f    Factory
}

func (s scheme) Name() string    { return s.name }
func (s scheme) NewOptions() any { return &struct{}{} }
func (s scheme) New(any, struct{}) (Factory, error) {
	return s.f, nil
}

var schemes = plugin.NewRegistry[Factory, struct{}]("store scheme")

// validScheme is RFC 3986's scheme syntax, lower case.
var validScheme = regexp.MustCompile(`^[a-z][a-z0-9+.-]*$`)

// Register makes destination URLs "<scheme>://..." open with f. Call it
// before loading a configuration (from an init function or main). It fails
// for a scheme that is not lower-case RFC 3986 syntax, a Factory without
// Open, or a scheme already registered ("s3" and "file" are built in).
func Register(name string, f Factory) error {
	if !validScheme.MatchString(name) || f.Open == nil {
		return fmt.Errorf("registering store scheme %q: want a lower-case URL scheme and an Open function", name)
	}
	return schemes.Register(scheme{name: name, f: f})
}

// MustRegister is Register for init functions; it panics on error.
func MustRegister(name string, f Factory) {
	if err := Register(name, f); err != nil {
		panic(err)
	}
}

// Schemes returns the registered URL schemes, sorted.
func Schemes() []string { return schemes.Names() }

func init() {
	MustRegister("s3", Factory{
		Open: func(ctx context.Context, u *url.URL, c S3Config, set Settings) (Store, error) {
			return openS3(ctx, u, c, set)
		},
		CheckURL: checkS3URL,
	})
	MustRegister("file", Factory{
		Open: func(_ context.Context, u *url.URL, _ S3Config, set Settings) (Store, error) {
			root, err := fileRoot(u)
			if err != nil {
				return nil, err
			}
			return openFile(root, set)
		},
		CheckURL: checkFileURL,
	})
}

// lookupScheme returns the factory of u's scheme, or an error listing the
// schemes there are.
func lookupScheme(u *url.URL) (Factory, error) {
	f, err := schemes.Lookup(u.Scheme)
	if err != nil {
		return Factory{}, fmt.Errorf("unsupported scheme in %q (want %s)", u.String(), schemeList())
	}
	return f.New(nil, struct{}{})
}

// schemeList is "file://, s3://" and so on.
func schemeList() string {
	names := Schemes()
	for i, n := range names {
		names[i] = n + "://"
	}
	return strings.Join(names, ", ")
}

// others lists the schemes registered besides the built-ins, for messages:
// "" or ", or memfile://".
func others() string {
	var out []string
	for _, n := range Schemes() {
		if n != "s3" && n != "file" {
			out = append(out, n+"://")
		}
	}
	if len(out) == 0 {
		return ""
	}
	return ", or " + strings.Join(out, ", ")
}

// CheckURL returns every problem of a destination URL, without any I/O: it
// must parse, have a registered scheme, no user, query or fragment, and
// pass its scheme's own check.
func CheckURL(raw string) []error {
	if raw == "" {
		return []error{fmt.Errorf("required (s3://bucket/prefix or file:///absolute/path%s)", others())}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return []error{fmt.Errorf("invalid URL %q", raw)}
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return []error{fmt.Errorf("%q: user, query and fragment are not allowed", raw)}
	}
	f, err := lookupScheme(u)
	if err != nil {
		return []error{err}
	}
	if f.CheckURL == nil {
		return nil
	}
	return f.CheckURL(u)
}

// validBucket is S3's rule for (new, non-legacy) bucket names, less the
// length, which is checked on its own.
var validBucket = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`)

// checkS3URL checks "s3://bucket[/prefix]".
func checkS3URL(u *url.URL) []error {
	var errs []error
	if b := u.Host; len(b) < 3 || len(b) > 63 || !validBucket.MatchString(b) || strings.Contains(b, "..") {
		errs = append(errs, fmt.Errorf("invalid bucket name %q (want 3 to 63 of a-z, 0-9, '.', '-', starting and ending with a letter or digit)", b))
	}
	if p := strings.Trim(u.Path, "/"); p != "" && slices.ContainsFunc(strings.Split(p, "/"), badSegment) {
		errs = append(errs, fmt.Errorf("prefix %q has an empty, '.' or '..' path segment", p))
	}
	return errs
}

// checkFileURL checks "file:///absolute/path".
func checkFileURL(u *url.URL) []error {
	if u.Opaque != "" || (u.Host != "" && u.Host != "localhost") || !path.IsAbs(u.Path) {
		return []error{fmt.Errorf("%q is not an absolute file URL (want file:///absolute/path)", u.String())}
	}
	if slices.Contains(strings.Split(u.Path, "/"), "..") {
		return []error{fmt.Errorf("%q has a '..' path segment", u.String())}
	}
	return nil
}

// badSegment reports an object key path segment that is empty, "." or "..".
func badSegment(s string) bool { return s == "" || s == "." || s == ".." }

// errNoStore is returned when a Factory's Open returns neither a store nor
// an error.
var errNoStore = errors.New("the store's Open returned no store")
