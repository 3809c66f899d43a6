package e2e

import (
	"fmt"
	"path"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/stages/parse"
	"github.com/sluicehq/sluice/stages/partition"
	"github.com/sluicehq/sluice/testing/kafkatest"
)

// TestLogfmtPartitionedByField: logfmt lines whose event time is written
// without a zone (read in Europe/Berlin, across the end of daylight
// saving) land in directories of a field ({field:level}, escaped, with
// Hive's default for lines without one) and of the event time's UTC
// hour; every line is archived exactly once, as it was written.
func TestLogfmtPartitionedByField(t *testing.T) {
	const topic, parts, n = "applogs", 2, 240
	kc := kafkatest.Start(t, parts, topic)
	url := "file://" + t.TempDir()
	cfg := testConfig(t, kc.Brokers(), url, topic)
	cfg.Defaults.Parser = parse.DefaultConfig()
	cfg.Defaults.Parser.Type = parse.TypeLogfmt
	cfg.Defaults.Parser.Time = parse.TimeConfig{Field: "ts", Format: parse.FormatISO8601, Zone: "Europe/Berlin"}
	cfg.Defaults.Partitioner.Template = "{topic}/level={field:level}/dt={yyyy}-{MM}-{dd}/hr={HH}"
	cfg.Defaults.Policy.MaxEventSpan = 24 * time.Hour
	require.NoError(t, cfg.Validate())
	st := openStore(t, url, cfg.Destination.S3)

	// Berlin wall clock from 2026-10-25 01:00 (+02:00) on, a minute apart:
	// 02:00-02:59 happens twice that night; a zone-less reading of it is
	// the earlier (+02:00).
	levels := []string{"info", "warn", "a/b", ""}
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	wall := time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC)
	want := map[string]string{} // line → directory
	var recs []kafkatest.Record
	for i := range n {
		w := wall.Add(time.Duration(i) * time.Minute)
		line := fmt.Sprintf(`ts="%s" n=%d msg="event %d"`, w.Format("2006-01-02 15:04:05"), i, i)
		dirLevel := "__HIVE_DEFAULT_PARTITION__"
		if l := levels[i%len(levels)]; l != "" {
			line += " level=" + l
			dirLevel = map[string]string{"a/b": "a%2Fb"}[l]
			if dirLevel == "" {
				dirLevel = l
			}
		}
		event := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), 0, 0, berlin)
		if _, off := event.Zone(); off == 3600 && w.Hour() == 2 {
			event = event.Add(-time.Hour) // the earlier of the two 02:xx
		}
		want[line] = fmt.Sprintf("%s/level=%s/dt=%s/hr=%s", topic, dirLevel, event.UTC().Format("2006-01-02"), event.UTC().Format("15"))
		recs = append(recs, kafkatest.Record{Partition: int32(i % parts), Value: []byte(line)})
	}
	kc.Produce(t, topic, recs...)

	rows := archiveProduced(t, cfg, kc, st, topic, n)
	require.Len(t, rows, n)
	dirs := map[string]bool{}
	for _, row := range rows {
		dir, ok := want[string(row.Value)]
		require.True(t, ok, "the line is archived as it was written: %q", row.Value)
		assert.Equal(t, dir, path.Dir(row.Key), "%q", row.Value)
		dirs[dir] = true
	}
	assert.Contains(t, dirs, topic+"/level=a%2Fb/dt=2026-10-25/hr=00", "02:00 Berlin, the earlier: 00:00 UTC")
	assert.Contains(t, dirs, topic+"/level=__HIVE_DEFAULT_PARTITION__/dt=2026-10-24/hr=23")
}

// TestOffsetBuckets: with no event time and the offset partitioner, each
// record lands in the directory of its offset's bucket.
func TestOffsetBuckets(t *testing.T) {
	const topic, parts, n = "backup", 2, 500
	kc := kafkatest.Start(t, parts, topic)
	url := "file://" + t.TempDir()
	cfg := testConfig(t, kc.Brokers(), url, topic)
	cfg.Defaults.Parser = parse.DefaultConfig()
	cfg.Defaults.Parser.Time.Source = parse.SourceNone
	cfg.Defaults.Partitioner.Type = partition.TypeOffset
	cfg.Defaults.Partitioner.Options = conf.OptionsOf(&partition.OffsetOptions{Size: 100})
	require.NoError(t, cfg.Validate())
	st := openStore(t, url, cfg.Destination.S3)

	var recs []kafkatest.Record
	for i := range n {
		recs = append(recs, kafkatest.Record{Partition: int32(i % parts), Value: fmt.Appendf(nil, "record %d", i),
			Timestamp: time.Date(2026, 11, 22, 0, 0, i, 0, time.UTC)})
	}
	kc.Produce(t, topic, recs...)

	rows := archiveProduced(t, cfg, kc, st, topic, n)
	require.Len(t, rows, n)
	dirs := map[string]int{}
	for _, row := range rows {
		want := fmt.Sprintf("%s/offset=%d", topic, row.Offset/100*100)
		assert.Equal(t, want, path.Dir(row.Key), "offset %d", row.Offset)
		dirs[path.Dir(row.Key)]++
	}
	assert.Equal(t, map[string]int{topic + "/offset=0": 200, topic + "/offset=100": 200, topic + "/offset=200": 100}, dirs)
}
