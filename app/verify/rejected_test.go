package verify_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/app/verify"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/pipeline"
	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/stages/deadletter"
	"github.com/sluicehq/sluice/stages/parse"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
)

// strictParser is a test parser (a parse.Decoder) that rejects values that
// are not JSON objects.
const strictParser = "verify_test_strict"

type strict struct{}

func (strict) EventTime(rec *model.Record) (time.Time, error) { return rec.Timestamp, nil }

func (strict) Decode(rec *model.Record) error {
	if v := bytes.TrimSpace(rec.Value); len(v) == 0 || v[0] != '{' || !json.Valid(v) {
		return errors.New("decoding json: not a JSON object")
	}
	return nil
}

func init() {
	parse.MustRegister(parse.NewFactory(strictParser, nil, func(struct{}, parse.Settings) (parse.Parser, error) {
		return strict{}, nil
	}))
}

const rejectedTopic = "strict"

// badOffset says which records of rejectedTopic are not JSON objects: the
// first of each partition, every 7th, and a run of whole rounds.
func badOffset(o int64) bool { return o == 0 || o%7 == 3 || (o >= 100 && o < 160) }

// TestVerifyRejected archives a topic whose parser rejects some records
// with the real pipeline: verify accounts for every rejected offset as
// dead-lettered, checks the _rejected/ files hold exactly them, and tells a
// missing or contradicting record or file from a clean archive.
func TestVerifyRejected(t *testing.T) {
	kc := kafkatest.Start(t, 2, rejectedTopic)
	var recs []kafkatest.Record
	bad := map[int32]int64{}
	for p := range int32(2) {
		for o := range int64(500) {
			v := fmt.Appendf(nil, `{"id":%d}`, o)
			if badOffset(o) {
				v = fmt.Appendf(nil, `[%d`, o)
				bad[p]++
			}
			recs = append(recs, kafkatest.Record{Partition: p, Key: fmt.Appendf(nil, "k%d", o), Value: v,
				Timestamp: time.UnixMilli(1_790_000_000_000 + o)})
		}
	}
	kc.Produce(t, rejectedTopic, recs...)
	end := map[string]map[int32]int64{rejectedTopic: kc.EndOffsets(t, rejectedTopic)}
	dir := t.TempDir()
	archiveTopics(t, kc.Brokers(), dir, end, func(cfg *pipeline.Config) {
		cfg.Defaults.Policy.MaxRecords = 50
		cfg.Defaults.Parser.Type = strictParser
	})
	in := newInspector(t, kc.Brokers()...)

	t.Run("clean", func(t *testing.T) {
		for _, br := range []verify.Broker{nil, in} {
			rep := runWith(t, dir, verify.Config{}, br)
			require.True(t, rep.OK, "findings: %+v", findings(rep))
			require.Len(t, rep.Partitions, 2)
			for _, p := range rep.Partitions {
				assert.Equal(t, bad[p.Partition], p.DeadLettered)
				assert.Equal(t, 500-bad[p.Partition], p.Records)
				assert.Empty(t, p.Gaps)
				require.NotNil(t, p.Min)
				assert.Equal(t, int64(0), *p.Min, "the first offset is dead-lettered, not missing")
			}
			assert.Equal(t, bad[0]+bad[1], rep.DeadLettered)
			var text strings.Builder
			require.NoError(t, rep.WriteText(&text))
			assert.Contains(t, text.String(), fmt.Sprintf("0 filtered and %d dead-lettered in 2 partitions, 0 violations", bad[0]+bad[1]))
		}
	})

	t.Run("rows", func(t *testing.T) {
		st := openStore(t, dir)
		rows := archivetest.Offsets(t, archivetest.ReadFiltered(t, st))
		rejected := archivetest.ReadRejected(t, st)
		for p := range int32(2) {
			lane := model.LaneOf(rejectedTopic, p)
			var wantStored, wantRejected []int64
			for o := range int64(500) {
				if badOffset(o) {
					wantRejected = append(wantRejected, o)
				} else {
					wantStored = append(wantStored, o)
				}
			}
			stored := rows[lane]
			slices.Sort(stored)
			assert.Equal(t, wantStored, stored)
			var got []int64
			for _, r := range rejected[lane] {
				got = append(got, r.Record.Offset)
				assert.Equal(t, fmt.Appendf(nil, "[%d", r.Record.Offset), r.Record.Value, "the original bytes")
				assert.Equal(t, "decoding json: not a JSON object", r.Reason)
			}
			assert.Equal(t, wantRejected, got)
		}
	})

	rejectedRecord := func(t *testing.T, dir string, start int64) (string, commit.Rejected) {
		key := commit.RejectedKey(rejectedTopic, 1, start)
		data, err := os.ReadFile(filepath.Join(dir, key))
		require.NoError(t, err)
		rj, err := commit.DecodeRejected(key, data)
		require.NoError(t, err)
		return key, rj
	}

	t.Run("deleted dead-letter file", func(t *testing.T) {
		d := cloneDir(t, dir)
		_, rj := rejectedRecord(t, d, 100)
		require.Equal(t, deadletter.Key(rejectedTopic, 1, 100, "none"), rj.Key)
		require.NoError(t, os.Remove(filepath.Join(d, rj.Key)))
		rep := runWith(t, d, verify.Config{}, nil)
		require.False(t, rep.OK)
		requireFinding(t, rep, verify.KindRejectedBad, rj.Key)
	})

	t.Run("deleted record of rejected offsets", func(t *testing.T) {
		d := cloneDir(t, dir)
		key, rj := rejectedRecord(t, d, 100)
		require.Equal(t, rj.End-rj.Start+1, rj.Count, "a round of rejected records only")
		require.NoError(t, os.Remove(filepath.Join(d, key)))
		rep := runWith(t, d, verify.Config{}, in)
		require.False(t, rep.OK)
		got := requireFinding(t, rep, verify.KindLost, "")
		assert.Equal(t, &verify.Range{Start: rj.Start, End: rj.End}, got.Range)
	})

	t.Run("offsets dead-lettered and stored", func(t *testing.T) {
		d := cloneDir(t, dir)
		key, rj := rejectedRecord(t, d, 150)
		rj.Ranges = []model.OffsetRange{{First: rj.Start, Last: rj.End}}
		rj.Count = rj.End - rj.Start + 1
		data, err := rj.Encode()
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(d, key), data, 0o644))
		rep := runWith(t, d, verify.Config{}, in)
		require.False(t, rep.OK)
		requireFinding(t, rep, verify.KindRejectedStored, key)
		requireFinding(t, rep, verify.KindRejectedBad, key) // the file no longer matches
	})
}

// cloneDir copies an archive into a fresh directory a test may corrupt.
func cloneDir(t *testing.T, dir string) string {
	t.Helper()
	return archive{dir: dir}.clone(t)
}
