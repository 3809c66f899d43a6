package objstoretest

import (
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/transport/objstore"
)

// testPutStream checks a Streamer (stores that are not one skip it): objects
// of every size round-trip byte for byte, written in odd-sized writes across
// part boundaries; a failed write stores nothing and leaves the object there
// as it was.
func testPutStream(t *testing.T, s objstore.Store) {
	st, ok := s.(objstore.Streamer)
	if !ok {
		t.Skipf("%T is not an objstore.Streamer", s)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, size := range []int{0, 1, 5 << 20, MultipartSize} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		key := "stream/file.parquet"
		obj, err := st.PutStream(t.Context(), key, func(w io.Writer) error {
			for rest := data; len(rest) > 0; {
				n := min(len(rest), 1+rng.IntN(300_000))
				if _, err := w.Write(rest[:n]); err != nil {
					return err
				}
				rest = rest[n:]
			}
			return nil
		})
		require.NoError(t, err, "size %d", size)
		assert.Equal(t, int64(size), obj.Size)
		assert.Equal(t, data, readAll(t, s, key), "size %d", size)
	}

	kept := readAll(t, s, "stream/file.parquet")
	boom := errors.New("encoder failed")
	for _, size := range []int{10, MultipartSize} {
		_, err := st.PutStream(t.Context(), "stream/file.parquet", func(w io.Writer) error {
			if _, err := w.Write(make([]byte, size)); err != nil {
				return err
			}
			return boom
		})
		require.ErrorIs(t, err, boom)
		assert.Equal(t, kept, readAll(t, s, "stream/file.parquet"), "a failed stream leaves the object as it was")
		_, err = st.PutStream(t.Context(), "stream/failed", func(io.Writer) error { return boom })
		require.ErrorIs(t, err, boom)
		_, _, err = s.Get(t.Context(), "stream/failed")
		require.ErrorIs(t, err, objstore.ErrNotExist, "a failed stream stores nothing")
	}
}

func readAll(t *testing.T, s objstore.Store, key string) []byte {
	t.Helper()
	rc, err := s.Open(t.Context(), key)
	require.NoError(t, err)
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	return b
}
