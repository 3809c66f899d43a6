package archivetest

import (
	"bufio"
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/stages/deadletter"
	"github.com/sluicehq/sluice/stages/format"
	"github.com/sluicehq/sluice/transport/objstore"
)

// ReadRejected reads every dead-letter file under "_rejected/" and returns
// the rejected records, by partition ("topic/partition") in offset order.
// It fails the test unless each file is named for its round, holds records
// of its partition in offset order, and is listed by the round's record of
// rejected offsets (commit.RejectedKey) with exactly its offsets; and
// unless every record of rejected offsets with destination bucket has its
// file. An offset in two files fails the test too.
func ReadRejected(t testing.TB, st objstore.Store) map[string][]model.Rejection {
	t.Helper()
	ctx := context.Background()
	var files, records []string
	require.NoError(t, st.List(ctx, "", func(o objstore.Object) error {
		switch {
		case strings.HasPrefix(o.Key, deadletter.Prefix):
			files = append(files, o.Key)
		case strings.HasPrefix(o.Key, commit.RejectedPrefix):
			records = append(records, o.Key)
		}
		return nil
	}))
	out := map[string][]model.Rejection{}
	seen := map[string]bool{}
	named := map[string]bool{}
	for _, k := range files {
		topic, p, start, compression, ok := deadletter.ParseKey(k)
		require.True(t, ok, "%q is not named %s<topic>/<partition>/<topic>+<partition>+<start>.jsonl", k, deadletter.Prefix)
		rkey := commit.RejectedKey(topic, p, start)
		data, _, err := st.Get(ctx, rkey)
		require.NoError(t, err, "dead-letter file %s has no record of rejected offsets", k)
		rj, err := commit.DecodeRejected(rkey, data)
		require.NoError(t, err)
		require.Equal(t, k, rj.Key, "%s names another file", rkey)
		named[rkey] = true
		var want []int64
		for _, r := range rj.Ranges {
			for o := r.First; o <= r.Last; o++ {
				want = append(want, o)
			}
		}
		rejs := readDeadLetter(t, st, k, compression)
		var got []int64
		lane := model.LaneOf(topic, p)
		for _, r := range rejs {
			require.Equal(t, lane, model.LaneOf(r.Record.Topic, r.Record.Partition), "%s", k)
			got = append(got, r.Record.Offset)
		}
		require.Equal(t, want, got, "%s holds exactly the offsets %s lists", k, rkey)
		for _, o := range got {
			id := lane + "@" + strconv.FormatInt(o, 10)
			require.False(t, seen[id], "offset %s dead-lettered twice", id)
			seen[id] = true
		}
		out[lane] = append(out[lane], rejs...)
	}
	for _, rkey := range records {
		data, _, err := st.Get(ctx, rkey)
		require.NoError(t, err)
		rj, err := commit.DecodeRejected(rkey, data)
		require.NoError(t, err)
		if rj.Destination == deadletter.DestinationBucket {
			require.True(t, named[rkey], "%s lists rejected offsets in %s, which is missing", rkey, rj.Key)
		}
	}
	for _, rs := range out {
		slices.SortFunc(rs, func(a, b model.Rejection) int { return cmp.Compare(a.Record.Offset, b.Record.Offset) })
	}
	return out
}

// readDeadLetter reads one dead-letter file's records.
func readDeadLetter(t testing.TB, st objstore.Store, key, compression string) []model.Rejection {
	t.Helper()
	rc, err := st.Open(context.Background(), key)
	require.NoError(t, err)
	defer rc.Close()
	r, err := format.Decompress(rc, compression)
	require.NoError(t, err, key)
	defer r.Close()
	var out []model.Rejection
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		rej, err := format.ParseRejection(sc.Bytes())
		require.NoError(t, err, "%s: %s", key, sc.Text())
		out = append(out, rej)
	}
	require.NoError(t, sc.Err(), key)
	return out
}
