package verify_test

import (
	"context"
	"encoding/json"
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
	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/pipeline"
	"github.com/sluicehq/sluice/stages"
	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
)

// dropStage is the name of a stage that drops the records at given offsets.
const dropStage = "verify_test_drop"

// dropOptions are the offsets dropStage drops, per partition.
type dropOptions struct {
	Offsets map[int32][]model.OffsetRange `yaml:"offsets"`
}

func init() {
	stages.MustRegister(stages.NewFactory(dropStage, func() dropOptions { return dropOptions{} },
		func(opts dropOptions, _ stages.Settings) (stages.Stage, error) {
			drop := map[int32]model.Offsets{}
			for p, rs := range opts.Offsets {
				drop[p] = model.OffsetsOf(rs...)
			}
			return stages.Func(func(_ context.Context, b *model.Batch) error {
				d := drop[b.Partition]
				b.Keep(func(r *model.Record) bool { return !d.Contains(r.Offset) })
				return nil
			}), nil
		}))
}

const filteredTopic = "filtered"

// filteredArchive is a real archive of filteredTopic whose records at
// drop's offsets a stage dropped.
type filteredArchive struct {
	archive
	drop    map[int32]*model.Offsets
	brokers []string
}

// buildFilteredArchive archives 2 partitions of 1500 records each in rounds
// of 200 offsets (filtered ones count), dropping a run at the start of each
// partition, short runs inside rounds, a run spanning several whole rounds
// and a run at the end.
func buildFilteredArchive(t *testing.T) filteredArchive {
	t.Helper()
	kc := kafkatest.Start(t, 2, filteredTopic)
	kc.ProduceJSON(t, filteredTopic, 2, 3000, time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC))
	end := map[string]map[int32]int64{filteredTopic: kc.EndOffsets(t, filteredTopic)}
	rg := func(first, last int64) model.OffsetRange { return model.OffsetRange{First: first, Last: last} }
	opts := dropOptions{Offsets: map[int32][]model.OffsetRange{}}
	drop := map[int32]*model.Offsets{}
	for p, e := range end[filteredTopic] {
		require.Equal(t, int64(1500), e)
		rs := []model.OffsetRange{rg(0, 4), rg(50, 52), rg(61, 61), rg(250, 250), rg(400, 999), rg(1203, 1204), rg(1490, 1499)}
		opts.Offsets[p] = rs
		o := model.OffsetsOf(rs...)
		drop[p] = &o
	}
	dir := t.TempDir()
	archiveTopics(t, kc.Brokers(), dir, end, func(cfg *pipeline.Config) {
		cfg.Defaults.Policy.MaxRecords = 200
		cfg.Defaults.Stages = []stages.Spec{{Name: dropStage, Options: conf.OptionsOf(&opts)}}
	})
	return filteredArchive{archive: archive{dir: dir, end: end}, drop: drop, brokers: kc.Brokers()}
}

// filteredRecord reads the record of filtered offsets at rel.
func filteredRecord(t *testing.T, dir, rel string) commit.Filtered {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, rel))
	require.NoError(t, err)
	f, err := commit.DecodeFiltered(rel, data)
	require.NoError(t, err)
	return f
}

// filteredRecords lists the keys of the records of filtered offsets of a
// partition, in round order.
func filteredRecords(t *testing.T, dir string, partition int32) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "_sluice", "filtered", filteredTopic, fmt.Sprint(partition), "*.json"))
	require.NoError(t, err)
	var keys []string
	for _, n := range names {
		rel, err := filepath.Rel(dir, n)
		require.NoError(t, err)
		keys = append(keys, filepath.ToSlash(rel))
	}
	slices.Sort(keys)
	return keys
}

// TestVerifyFiltered archives a topic through a stage that drops records
// with the real pipeline: verify accounts for every dropped offset as
// filtered, and tells a missing record of filtered offsets, or one that
// contradicts the files, from a clean archive.
func TestVerifyFiltered(t *testing.T) {
	a := buildFilteredArchive(t)
	in := newInspector(t, a.brokers...)

	// The archive has the shapes the test is about: rounds with filtered
	// records first, last and inside, and rounds of filtered records only.
	shapes := map[string]int{}
	for p := range int32(2) {
		starts := map[int64]bool{}
		for _, f := range files(t, a.dir, filteredTopic, p) {
			starts[f.start] = true
		}
		keys := filteredRecords(t, a.dir, p)
		require.NotEmpty(t, keys)
		var n int64
		for _, k := range keys {
			f := filteredRecord(t, a.dir, k)
			n += f.Count
			first, last := f.Ranges[0], f.Ranges[len(f.Ranges)-1]
			switch {
			case !starts[f.Start]:
				shapes["only filtered"]++
				assert.Equal(t, f.End-f.Start+1, f.Count, "a round without files is wholly filtered")
			case first.First == f.Start:
				shapes["first"]++
			case last.Last == f.End:
				shapes["last"]++
			default:
				shapes["inside"]++
			}
		}
		assert.Equal(t, a.drop[p].Len(), n, "partition %d: the records hold every dropped offset", p)
	}
	for _, shape := range []string{"only filtered", "first", "last", "inside"} {
		require.Positive(t, shapes[shape], "no round with filtered records %s: %v", shape, shapes)
	}

	t.Run("rows", func(t *testing.T) {
		// Read back independently: exactly the offsets not dropped.
		got := archivetest.Offsets(t, archivetest.ReadFiltered(t, openStore(t, a.dir)))
		for p := range int32(2) {
			var want []int64
			for o := range int64(1500) {
				if !a.drop[p].Contains(o) {
					want = append(want, o)
				}
			}
			stored := got[model.LaneOf(filteredTopic, p)]
			slices.Sort(stored)
			assert.Equal(t, want, stored, "partition %d", p)
		}
	})

	t.Run("clean", func(t *testing.T) {
		for _, br := range []verify.Broker{nil, in} {
			rep := runWith(t, a.dir, verify.Config{}, br)
			require.True(t, rep.OK, "findings: %+v", findings(rep))
			assert.Empty(t, findings(rep))
			require.Len(t, rep.Partitions, 2)
			var filtered int64
			for _, p := range rep.Partitions {
				drop := a.drop[p.Partition]
				assert.Equal(t, drop.Len(), p.Filtered)
				assert.Equal(t, int64(1500)-drop.Len(), p.Records)
				assert.Empty(t, p.Gaps)
				assert.Zero(t, p.LostOffsets+p.UnverifiedOffsets+p.KafkaGapOffsets)
				require.NotNil(t, p.Min)
				assert.Equal(t, int64(0), *p.Min, "the first offsets are filtered, not missing")
				assert.Equal(t, int64(1499), *p.Max)
				filtered += p.Filtered
			}
			assert.Equal(t, filtered, rep.Filtered)
			assert.Equal(t, 2*int64(1500-a.drop[0].Len()), rep.Records)

			var text strings.Builder
			require.NoError(t, rep.WriteText(&text))
			assert.Contains(t, text.String(), fmt.Sprintf("records, %d filtered and 0 dead-lettered in 2 partitions, 0 violations", filtered))
			var js strings.Builder
			require.NoError(t, rep.WriteJSON(&js))
			var back map[string]any
			require.NoError(t, json.Unmarshal([]byte(js.String()), &back))
			assert.InDelta(t, float64(filtered), back["filtered"], 0)
		}
	})

	// onlyFiltered is the key and record of a round of filtered records
	// only, in partition 1.
	onlyFiltered := func(t *testing.T, dir string) (string, commit.Filtered) {
		starts := map[int64]bool{}
		for _, f := range files(t, dir, filteredTopic, 1) {
			starts[f.start] = true
		}
		for _, k := range filteredRecords(t, dir, 1) {
			if f := filteredRecord(t, dir, k); !starts[f.Start] {
				return k, f
			}
		}
		t.Fatal("no round of filtered records only")
		return "", commit.Filtered{}
	}

	t.Run("deleted record of filtered offsets", func(t *testing.T) {
		dir := a.clone(t)
		key, f := onlyFiltered(t, dir)
		require.NoError(t, os.Remove(filepath.Join(dir, key)))
		lost := verify.Range{Start: f.Start, End: f.End}

		rep := runWith(t, dir, verify.Config{}, in)
		require.False(t, rep.OK)
		got := requireFinding(t, rep, verify.KindLost, "")
		assert.Equal(t, &lost, got.Range)
		assert.Equal(t, f.Count, rep.LostOffsets, "Kafka holds every record of the round: lost")
		assert.Equal(t, 2*a.drop[0].Len()-f.Count, rep.Filtered)

		rep = runWith(t, dir, verify.Config{}, nil)
		require.False(t, rep.OK)
		got = requireFinding(t, rep, verify.KindGap, "")
		assert.Equal(t, &lost, got.Range)
		assert.Equal(t, f.Count, rep.UnverifiedOffsets)
	})

	t.Run("deleted record of the first filtered offsets", func(t *testing.T) {
		dir := a.clone(t)
		key := filteredRecords(t, dir, 0)[0]
		f := filteredRecord(t, dir, key)
		require.Equal(t, model.OffsetRange{First: 0, Last: 4}, f.Ranges[0])
		require.NoError(t, os.Remove(filepath.Join(dir, key)))

		rep := runWith(t, dir, verify.Config{}, in)
		require.False(t, rep.OK)
		got := requireFinding(t, rep, verify.KindLost, "")
		assert.Equal(t, &verify.Range{Start: 0, End: 4}, got.Range, "offsets below the first stored one are lost too")
		requireFinding(t, rep, verify.KindRoundStart, "")
		assert.Equal(t, f.Count, rep.LostOffsets)
	})

	t.Run("offsets filtered and stored", func(t *testing.T) {
		dir := a.clone(t)
		key := ""
		for _, k := range filteredRecords(t, dir, 0) {
			if f := filteredRecord(t, dir, k); f.Ranges[0].First > f.Start {
				key = k
				break
			}
		}
		require.NotEmpty(t, key, "a round whose first record was kept")
		f := filteredRecord(t, dir, key)
		f.Ranges = []model.OffsetRange{{First: f.Start, Last: f.End}}
		f.Count = f.End - f.Start + 1
		data, err := f.Encode()
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, key), data, 0o644))

		rep := runWith(t, dir, verify.Config{}, in)
		require.False(t, rep.OK)
		got := requireFinding(t, rep, verify.KindFilteredStored, key)
		assert.Equal(t, f.Start, got.Range.Start)
		assert.Zero(t, rep.LostOffsets)
	})

	t.Run("unreadable record of filtered offsets", func(t *testing.T) {
		dir := a.clone(t)
		key, _ := onlyFiltered(t, dir)
		require.NoError(t, os.WriteFile(filepath.Join(dir, key), []byte(`{"version":1}`), 0o644))
		rep := runWith(t, dir, verify.Config{}, nil)
		require.False(t, rep.OK)
		requireFinding(t, rep, verify.KindFilteredBad, key)
		requireFinding(t, rep, verify.KindGap, "")
	})
}
