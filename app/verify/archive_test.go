package verify_test

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/pipeline"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/testing/pipelinetest"
	"github.com/sluicehq/sluice/transport/objstore"
)

// Topics of the test archive: events in Parquet over two Kafka partitions,
// logs in zstd JSON lines; two Kafka partitions each.
const (
	eventsTopic = "events"
	logsTopic   = "logs"
)

// archive is a real archive written by the pipeline into a local directory.
type archive struct {
	dir string
	// end is each topic's high watermark per partition: every offset below
	// it is stored.
	end map[string]map[int32]int64
}

// buildArchive runs the real pipeline against an in-process Kafka until
// every produced record is durable, then stops it. Records are a second
// apart across midnight, so rounds are split over several output
// partitions (dt/hr directories).
func buildArchive(t *testing.T) archive {
	t.Helper()
	kc := kafkatest.Start(t, 2, eventsTopic, logsTopic)
	base := time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC)
	kc.ProduceJSON(t, eventsTopic, 2, 3000, base)
	kc.ProduceJSON(t, logsTopic, 2, 1000, base)
	end := map[string]map[int32]int64{eventsTopic: kc.EndOffsets(t, eventsTopic), logsTopic: kc.EndOffsets(t, logsTopic)}
	dir := t.TempDir()
	archiveTopics(t, kc.Brokers(), dir, end, func(cfg *pipeline.Config) {
		logs := cfg.Defaults
		logs.Format.Type = "jsonl"
		logs.Format.Compression = "zstd"
		cfg.Overrides = []pipeline.Override{{Topic: logsTopic, Settings: logs}}
	})
	return archive{dir: dir, end: end}
}

// archiveTopics runs the pipeline on the topics of end (JSON records with
// "ts" in unix milliseconds) into dir until each partition's next offset
// reaches its end, then stops it. tweak, if set, adjusts the configuration.
func archiveTopics(t *testing.T, brokers []string, dir string, end map[string]map[int32]int64, tweak func(*pipeline.Config)) {
	t.Helper()
	cfg := pipelinetest.Config(t, brokers, "file://"+dir, slices.Sorted(maps.Keys(end))...)
	cfg.Kafka.Group = "verify-test"
	cfg.Defaults.Policy.MaxRecords = 400
	if tweak != nil {
		tweak(&cfg)
	}
	pipelinetest.Archive(t, cfg, end, nil)
}

// clone copies the archive into a fresh directory a test may corrupt.
func (a archive) clone(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "archive")
	require.NoError(t, os.CopyFS(dir, os.DirFS(a.dir)))
	return dir
}

func openStore(t *testing.T, dir string) objstore.Store {
	t.Helper()
	st, err := objstore.Open(t.Context(), "file://"+dir, objstore.DefaultS3Config(), objstore.Settings{})
	require.NoError(t, err)
	return st
}

// dataFile is one data object of the archive.
type dataFile struct {
	rel   string // path relative to the archive root
	start int64  // the round start in its name
}

// files lists the data files of one Kafka partition, by round start then path.
func files(t *testing.T, dir, topic string, partition int32) []dataFile {
	t.Helper()
	var out []dataFile
	prefix := topic + "+" + strconv.Itoa(int(partition)) + "+"
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasPrefix(d.Name(), prefix) {
			return err
		}
		if strings.HasPrefix(filepath.ToSlash(p), filepath.ToSlash(dir)+"/_rejected/") {
			return nil // a dead-letter file
		}
		rel, err := filepath.Rel(dir, p)
		require.NoError(t, err)
		start, err := strconv.ParseInt(strings.TrimPrefix(d.Name(), prefix)[:20], 10, 64)
		require.NoError(t, err)
		out = append(out, dataFile{rel: filepath.ToSlash(rel), start: start})
		return nil
	}))
	slices.SortFunc(out, func(a, b dataFile) int {
		if a.start != b.start {
			return int(a.start - b.start)
		}
		return strings.Compare(a.rel, b.rel)
	})
	require.NotEmpty(t, out, "no files of %s/%d", topic, partition)
	return out
}
