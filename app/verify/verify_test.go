package verify_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/app/verify"
)

// run verifies the archive in dir.
func run(t *testing.T, dir string, topics ...string) *verify.Report {
	t.Helper()
	rep, err := verify.Run(t.Context(), verify.Config{Topics: topics}, verify.Settings{Store: openStore(t, dir), TempDir: t.TempDir()})
	require.NoError(t, err)
	return rep
}

// findings returns every finding of the report, store-wide and per partition.
func findings(rep *verify.Report) []verify.Finding {
	out := append([]verify.Finding(nil), rep.Findings...)
	for _, p := range rep.Partitions {
		out = append(out, p.Findings...)
	}
	return out
}

// requireFinding fails unless a violation of kind names key (when key is set).
func requireFinding(t *testing.T, rep *verify.Report, kind, key string) verify.Finding {
	t.Helper()
	for _, f := range findings(rep) {
		if f.Kind == kind && f.Severity == verify.SeverityViolation && (key == "" || contains(f.Keys, key)) {
			return f
		}
	}
	out, _ := json.MarshalIndent(findings(rep), "", "  ")
	t.Fatalf("no %s violation naming %q; findings:\n%s", kind, key, out)
	return verify.Finding{}
}

func contains(keys []string, key string) bool {
	for _, k := range keys {
		if k == key {
			return true
		}
	}
	return false
}

func copyFile(t *testing.T, dir, from, to string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, from))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, to)), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, to), data, 0o644))
}

func TestVerifyArchive(t *testing.T) {
	a := buildArchive(t)

	t.Run("clean", func(t *testing.T) {
		rep := run(t, a.dir)
		require.True(t, rep.OK, "findings: %+v", findings(rep))
		require.Empty(t, findings(rep))
		var total int64
		require.Len(t, rep.Partitions, 4)
		for _, p := range rep.Partitions {
			end := a.end[p.Topic][p.Partition]
			require.Positive(t, end)
			assert.Equal(t, verify.StatusOK, p.Status)
			assert.Equal(t, end, p.Records, "%s/%d", p.Topic, p.Partition)
			require.NotNil(t, p.Min)
			assert.Equal(t, int64(0), *p.Min)
			assert.Equal(t, end-1, *p.Max)
			require.NotNil(t, p.NextOffset)
			assert.Equal(t, end, *p.NextOffset)
			assert.Zero(t, p.Duplicates)
			assert.Zero(t, p.Filtered, "nothing filtered")
			assert.Empty(t, p.Gaps)
			total += end
		}
		assert.Equal(t, total, rep.Records)
		assert.Zero(t, rep.Filtered)
		assert.Equal(t, int64(4000), total)
		assert.False(t, rep.BrokerConsulted)
	})

	t.Run("topic filter", func(t *testing.T) {
		rep := run(t, a.dir, logsTopic)
		require.True(t, rep.OK)
		require.Len(t, rep.Partitions, 2)
		assert.Equal(t, int64(1000), rep.Records)
	})

	tests := []struct {
		name string
		// plant corrupts the archive in dir and returns the key the finding
		// must name ("" for none).
		plant func(t *testing.T, dir string) string
		kinds []string
	}{
		{
			name: "duplicated object, same name in another directory",
			plant: func(t *testing.T, dir string) string {
				f := files(t, dir, eventsTopic, 0)[1]
				to := "events/dt=2030-01-01/hr=00/" + path.Base(f.rel)
				copyFile(t, dir, f.rel, to)
				return to
			},
			kinds: []string{verify.KindDuplicate},
		},
		{
			name: "duplicated object under a new start name",
			plant: func(t *testing.T, dir string) string {
				fs := files(t, dir, logsTopic, 1)
				f := fs[len(fs)-1]
				to := fmt.Sprintf("logs/dt=2030-01-01/hr=00/logs+1+%020d.jsonl.zst", f.start+1)
				copyFile(t, dir, f.rel, to)
				return to
			},
			kinds: []string{verify.KindDuplicate, verify.KindBelowName, verify.KindRoundStart, verify.KindRoundOverlap},
		},
		{
			name: "deleted object",
			plant: func(t *testing.T, dir string) string {
				fs := files(t, dir, eventsTopic, 1)
				require.Greater(t, len(fs), 2)
				require.NoError(t, os.Remove(filepath.Join(dir, fs[len(fs)/2].rel)))
				return ""
			},
			kinds: []string{verify.KindGap},
		},
		{
			name: "overlapping range",
			plant: func(t *testing.T, dir string) string {
				fs := files(t, dir, eventsTopic, 0)
				var f dataFile
				for _, c := range fs {
					if c.start > fs[0].start {
						f = c
						break
					}
				}
				require.Positive(t, f.start)
				to := path.Join(path.Dir(f.rel), fmt.Sprintf("events+0+%020d.parquet", f.start-10))
				require.NoError(t, os.Rename(filepath.Join(dir, f.rel), filepath.Join(dir, to)))
				return to
			},
			kinds: []string{verify.KindRoundStart, verify.KindRoundOverlap},
		},
		{
			name: "progress next_offset too high",
			plant: func(t *testing.T, dir string) string {
				editNext(t, dir, logsTopic, 0, 7)
				return "_sluice/progress/logs/0.json"
			},
			kinds: []string{verify.KindProgressNext},
		},
		{
			name: "progress next_offset too low",
			plant: func(t *testing.T, dir string) string {
				editNext(t, dir, eventsTopic, 1, -3)
				return ""
			},
			kinds: []string{verify.KindBeyondNext},
		},
		{
			name: "progress record missing",
			plant: func(t *testing.T, dir string) string {
				require.NoError(t, os.Remove(filepath.Join(dir, "_sluice/progress/events/0.json")))
				return "_sluice/progress/events/0.json"
			},
			kinds: []string{verify.KindProgressMissing},
		},
		{
			name: "object with a bad name",
			plant: func(t *testing.T, dir string) string {
				f := files(t, dir, eventsTopic, 0)[0]
				to := path.Join(path.Dir(f.rel), "events+0+12.parquet")
				copyFile(t, dir, f.rel, to)
				return to
			},
			kinds: []string{verify.KindBadName},
		},
		{
			name: "corrupt object",
			plant: func(t *testing.T, dir string) string {
				f := files(t, dir, eventsTopic, 1)[0]
				require.NoError(t, os.WriteFile(filepath.Join(dir, f.rel), []byte("not parquet"), 0o644))
				return f.rel
			},
			kinds: []string{verify.KindUnreadable},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := a.clone(t)
			key := tt.plant(t, dir)
			rep := run(t, dir)
			require.False(t, rep.OK)
			require.Positive(t, rep.Violations)
			for i, kind := range tt.kinds {
				k := key
				if i > 0 {
					k = ""
				}
				requireFinding(t, rep, kind, k)
			}
		})
	}
}

// editNext moves a partition's next_offset by delta.
func editNext(t *testing.T, dir, topic string, partition int32, delta int64) {
	t.Helper()
	p := filepath.Join(dir, "_sluice", "progress", topic, fmt.Sprintf("%d.json", partition))
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	var rec map[string]any
	require.NoError(t, json.Unmarshal(data, &rec))
	rec["next_offset"] = rec["next_offset"].(float64) + float64(delta)
	data, err = json.Marshal(rec)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p, data, 0o644))
}
