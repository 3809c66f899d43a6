package objstore_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/plugin"
	"github.com/sluicehq/sluice/transport/objstore"
	"github.com/sluicehq/sluice/transport/objstore/objstoretest"
)

// aliasCounter counts the calls to stores of the "memfile" scheme, which
// this package's tests register once.
var aliasCounter = func() *objstoretest.Counter {
	c, err := objstoretest.FileAlias("memfile")
	if err != nil {
		panic(err)
	}
	return c
}()

func TestRegisteredSchemeContract(t *testing.T) {
	objstoretest.Contract(t, func(t *testing.T) objstore.Store {
		s, err := objstore.Open(t.Context(), "memfile://"+fileURL(t.TempDir())[len("file://"):], objstore.S3Config{}, objstore.Settings{})
		require.NoError(t, err)
		return s
	})
	assert.Positive(t, aliasCounter.Opens())
	assert.Positive(t, aliasCounter.Calls())
}

func TestRegisterRefuses(t *testing.T) {
	open := func(context.Context, *url.URL, objstore.S3Config, objstore.Settings) (objstore.Store, error) {
		return nil, errors.New("never opened")
	}
	for _, name := range []string{"", "S3x", "1abc", "a b", "x:"} {
		assert.Error(t, objstore.Register(name, objstore.Factory{Open: open}), "scheme %q", name)
	}
	assert.Error(t, objstore.Register("noopen", objstore.Factory{}), "a factory without Open")
	for _, name := range []string{"s3", "file", "memfile"} {
		assert.ErrorIs(t, objstore.Register(name, objstore.Factory{Open: open}), plugin.ErrDuplicate, name)
	}
	assert.Subset(t, objstore.Schemes(), []string{"file", "memfile", "s3"})
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url  string
		want string // a part of the only error; "" for none
	}{
		{"s3://my-bucket/prefix", ""},
		{"file:///data/archive", ""},
		{"memfile:///data/archive", ""},
		{"", "required (s3://bucket/prefix or file:///absolute/path, or memfile://)"},
		{"gs://bucket/x", `unsupported scheme in "gs://bucket/x" (want file://, memfile://, s3://)`},
		{"memfile://host/data", "want memfile:///absolute/path"},
		{"s3://Bad_Bucket", "invalid bucket name"},
		{"file://relative", "not an absolute file URL"},
		{"memfile:///x?y=1", "user, query and fragment are not allowed"},
	}
	for _, tt := range tests {
		errs := objstore.CheckURL(tt.url)
		if tt.want == "" {
			assert.Empty(t, errs, tt.url)
			continue
		}
		require.Len(t, errs, 1, tt.url)
		assert.Contains(t, errs[0].Error(), tt.want, tt.url)
	}
}

func TestOpenUnknownScheme(t *testing.T) {
	_, err := objstore.Open(t.Context(), "gs://bucket/x", objstore.S3Config{}, objstore.Settings{})
	require.ErrorContains(t, err, `unsupported scheme in "gs://bucket/x" (want file://, memfile://, s3://)`)
}

// ExampleRegister adds a store for "archive://" URLs: here a store that
// keeps its objects in the file store under a directory named by the URL's
// path (a real store, say Google Cloud Storage, would open its client
// here). Every command that opens the destination (run, verify, lag) then
// accepts it.
func ExampleRegister() {
	err := objstore.Register("archive", objstore.Factory{
		Open: func(ctx context.Context, u *url.URL, s3 objstore.S3Config, set objstore.Settings) (objstore.Store, error) {
			return objstore.Open(ctx, "file://"+os.TempDir()+"/sluice-example"+u.Path, s3, set)
		},
		CheckURL: func(u *url.URL) []error {
			if u.Host != "" || !strings.HasPrefix(u.Path, "/") {
				return []error{fmt.Errorf("want archive:///name, got %q", u)}
			}
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(os.TempDir() + "/sluice-example")

	fmt.Println(objstore.CheckURL("archive://host/x"))
	ctx := context.Background()
	st, err := objstore.Open(ctx, "archive:///events", objstore.S3Config{}, objstore.Settings{})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := st.PutIf(ctx, "_sluice/hello.json", []byte(`{"hello":1}`), ""); err != nil {
		fmt.Println(err)
		return
	}
	data, _, err := st.Get(ctx, "_sluice/hello.json")
	fmt.Println(string(data), err)
	// Output:
	// [want archive:///name, got "archive://host/x"]
	// {"hello":1} <nil>
}
