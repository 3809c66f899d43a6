package objstore_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/transport/objstore"
	"github.com/sluicehq/sluice/transport/objstore/objstoretest"
)

// openFileStore opens a file store on a fresh directory.
func openFileStore(t *testing.T) (objstore.Store, string) {
	t.Helper()
	root := t.TempDir()
	s, err := objstore.Open(t.Context(), fileURL(root), objstore.S3Config{}, objstore.Settings{})
	require.NoError(t, err)
	return s, root
}

func fileURL(root string) string {
	p := filepath.ToSlash(root)
	if p[0] != '/' {
		p = "/" + p // Windows: "C:/x" becomes "/C:/x"
	}
	return "file://" + p
}

func TestFileStoreContract(t *testing.T) {
	objstoretest.Contract(t, func(t *testing.T) objstore.Store {
		s, _ := openFileStore(t)
		return s
	})
}

func TestFileStoreRejectsKeys(t *testing.T) {
	s, root := openFileStore(t)
	tests := []struct{ key, why string }{
		{"../outside", "escapes the root"},
		{"a/../../outside", "escapes the root"},
		{"/etc/passwd", "absolute"},
		{".hidden", "dot segment"},
		{"dir/.tmp-123", "dot segment"},
		{".locks/00.lock", "dot segment"},
		{`dir\file`, "backslash"},
	}
	for _, tt := range tests {
		_, err := s.PutIf(t.Context(), tt.key, []byte("x"), "")
		require.ErrorIs(t, err, objstore.ErrInvalidKey, "%q (%s)", tt.key, tt.why)
	}
	_, err := os.Stat(filepath.Join(filepath.Dir(root), "outside"))
	assert.True(t, errors.Is(err, os.ErrNotExist), "nothing written outside the root")
}

func TestFileStoreHidesTempAndLockFiles(t *testing.T) {
	s, root := openFileStore(t)
	_, err := s.PutIf(t.Context(), "dir/visible", []byte("x"), "")
	require.NoError(t, err)
	// A crash between writing a temp file and renaming it leaves this.
	require.NoError(t, os.WriteFile(filepath.Join(root, "dir", ".tmp-crashed"), []byte("partial"), 0o600))
	var keys []string
	require.NoError(t, s.List(t.Context(), "", func(o objstore.Object) error {
		keys = append(keys, o.Key)
		return nil
	}))
	assert.Equal(t, []string{"dir/visible"}, keys)
	_, err = os.Stat(filepath.Join(root, ".locks"))
	require.NoError(t, err, "the lock directory exists but is not listed")
}

const (
	helperRootEnv = "SLUICE_OBJSTORE_HELPER_ROOT"
	helperProcs   = 4
	helperIncs    = 25
)

// TestFileStoreCrossProcessCAS runs processes that each increment a counter
// object with read/compare-and-swap loops. Every increment survives only if
// If-Match excludes writers in other processes, not just other goroutines.
func TestFileStoreCrossProcessCAS(t *testing.T) {
	if os.Getenv(helperRootEnv) != "" {
		t.Skip("running as a helper process")
	}
	s, root := openFileStore(t)
	cmds := make([]*exec.Cmd, helperProcs)
	for i := range cmds {
		cmds[i] = exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestFileStoreHelperProcess$", "-test.count=1")
		cmds[i].Env = append(os.Environ(), helperRootEnv+"="+root)
		require.NoError(t, cmds[i].Start())
	}
	for i, cmd := range cmds {
		require.NoError(t, cmd.Wait(), "helper %d", i)
	}
	data, _, err := s.Get(t.Context(), "counter")
	require.NoError(t, err)
	assert.Equal(t, strconv.Itoa(helperProcs*helperIncs), string(data))
}

// TestFileStoreHelperProcess is the body of one TestFileStoreCrossProcessCAS
// process; it does nothing in a normal run.
func TestFileStoreHelperProcess(t *testing.T) {
	root := os.Getenv(helperRootEnv)
	if root == "" {
		return
	}
	s, err := objstore.Open(t.Context(), fileURL(root), objstore.S3Config{}, objstore.Settings{})
	require.NoError(t, err)
	for done := 0; done < helperIncs; {
		data, etag, err := s.Get(t.Context(), "counter")
		n := 0
		if errors.Is(err, objstore.ErrNotExist) {
			etag = ""
		} else {
			require.NoError(t, err)
			n, err = strconv.Atoi(string(data))
			require.NoError(t, err)
		}
		_, err = s.PutIf(t.Context(), "counter", []byte(strconv.Itoa(n+1)), etag)
		if errors.Is(err, objstore.ErrPrecondition) {
			continue
		}
		require.NoError(t, err)
		done++
	}
}

func TestOpenURLs(t *testing.T) {
	tests := []struct {
		url     string
		wantErr string
	}{
		{url: fileURL(t.TempDir())},
		{url: "file://relative/path", wantErr: "absolute path"},
		{url: "file:", wantErr: "absolute path"},
		{url: "ftp://host/x", wantErr: `unsupported scheme in "ftp://host/x"`},
		{url: "/no/scheme", wantErr: `unsupported scheme in "/no/scheme"`},
		{url: "s3:///prefix", wantErr: "no bucket"},
		{url: "s3://bkt/../x", wantErr: "escapes"},
	}
	for _, tt := range tests {
		s, err := objstore.Open(t.Context(), tt.url, objstore.S3Config{}, objstore.Settings{})
		if tt.wantErr == "" {
			require.NoError(t, err, tt.url)
			assert.Equal(t, tt.url, s.String())
			continue
		}
		require.ErrorContains(t, err, tt.wantErr, tt.url)
	}
}
