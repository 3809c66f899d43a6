package objstoretest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/transport/objstore"
)

// racers is how many goroutines race one conditional write.
const racers = 8

const progressKey = "_sluice/progress/events/0.json"

func testPutIfCreateOnly(t *testing.T, s objstore.Store) {
	etag, err := s.PutIf(t.Context(), progressKey, []byte(`{"next":0}`), "")
	require.NoError(t, err)
	require.NotEmpty(t, etag)

	got, gotETag, err := s.Get(t.Context(), progressKey)
	require.NoError(t, err)
	assert.JSONEq(t, `{"next":0}`, string(got))
	assert.Equal(t, etag, gotETag, "Get returns the ETag PutIf reported")

	_, err = s.PutIf(t.Context(), progressKey, []byte(`{"next":5}`), "")
	require.ErrorIs(t, err, objstore.ErrPrecondition, "second create-only write")
	got, _, err = s.Get(t.Context(), progressKey)
	require.NoError(t, err)
	assert.JSONEq(t, `{"next":0}`, string(got), "a failed create-only write changes nothing")

	// Put's objects count as existing too.
	put(t, s, "plain", []byte("x"))
	_, err = s.PutIf(t.Context(), "plain", []byte("y"), "")
	require.ErrorIs(t, err, objstore.ErrPrecondition)
}

func testPutIfMatch(t *testing.T, s objstore.Store) {
	e0, err := s.PutIf(t.Context(), progressKey, []byte(`{"next":0}`), "")
	require.NoError(t, err)
	e1, err := s.PutIf(t.Context(), progressKey, []byte(`{"next":10}`), e0)
	require.NoError(t, err)
	assert.NotEqual(t, e0, e1)

	_, err = s.PutIf(t.Context(), progressKey, []byte(`{"next":20}`), e0)
	require.ErrorIs(t, err, objstore.ErrPrecondition, "write with a stale ETag")
	got, etag, err := s.Get(t.Context(), progressKey)
	require.NoError(t, err)
	assert.JSONEq(t, `{"next":10}`, string(got))
	assert.Equal(t, e1, etag)

	_, err = s.PutIf(t.Context(), "_sluice/progress/events/1.json", []byte(`{}`), e1)
	require.ErrorIs(t, err, objstore.ErrPrecondition, "If-Match on a missing object")
	_, _, err = s.Get(t.Context(), "_sluice/progress/events/1.json")
	require.ErrorIs(t, err, objstore.ErrNotExist)

	require.NoError(t, s.Delete(t.Context(), progressKey))
	_, err = s.PutIf(t.Context(), progressKey, []byte(`{"next":30}`), e1)
	require.ErrorIs(t, err, objstore.ErrPrecondition, "If-Match after a delete")
}

// race runs write from racers goroutines at once and returns their results.
func race(write func(i int) (string, error)) ([]string, []error) {
	etags, errs := make([]string, racers), make([]error, racers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			<-start
			etags[i], errs[i] = write(i)
		})
	}
	close(start)
	wg.Wait()
	return etags, errs
}

// checkOneWinner asserts exactly one write won, the losers got
// ErrPrecondition, and the store holds the winner's bytes and ETag.
func checkOneWinner(t *testing.T, s objstore.Store, etags []string, errs []error, data func(i int) string) {
	t.Helper()
	winner := -1
	for i, err := range errs {
		if err == nil {
			assert.Equal(t, -1, winner, "writers %d and %d both won", winner, i)
			winner = i
			continue
		}
		assert.ErrorIs(t, err, objstore.ErrPrecondition, "writer %d", i)
	}
	require.NotEqual(t, -1, winner, "no writer won")
	got, etag, err := s.Get(t.Context(), progressKey)
	require.NoError(t, err)
	assert.Equal(t, data(winner), string(got))
	assert.Equal(t, etags[winner], etag)
}

func testPutIfConcurrentMatch(t *testing.T, s objstore.Store) {
	e0, err := s.PutIf(t.Context(), progressKey, []byte(`{"next":0}`), "")
	require.NoError(t, err)
	data := func(i int) string { return fmt.Sprintf(`{"next":%d}`, 100+i) }
	etags, errs := race(func(i int) (string, error) {
		return s.PutIf(t.Context(), progressKey, []byte(data(i)), e0)
	})
	checkOneWinner(t, s, etags, errs, data)
}

func testPutIfConcurrentCreate(t *testing.T, s objstore.Store) {
	data := func(i int) string { return fmt.Sprintf(`{"owner":%d}`, i) }
	etags, errs := race(func(i int) (string, error) {
		return s.PutIf(t.Context(), progressKey, []byte(data(i)), "")
	})
	checkOneWinner(t, s, etags, errs, data)
}
