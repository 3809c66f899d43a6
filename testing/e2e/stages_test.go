package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
)

// evenOptions are the options of the test's stage.
type evenOptions struct {
	// FailAt makes the stage fail on the record with this id (0: never).
	FailAt int `yaml:"fail_at"`
}

// evenStage keeps the events with an even id, marking them, and drops the
// others; it fails on the record FailAt.
type evenStage struct{ failAt int }

var errStageFailed = errors.New("the test stage failed on purpose")

func (s evenStage) Process(_ context.Context, b *model.Batch) error {
	var failed error
	b.Keep(func(r *model.Record) bool {
		v, ok := r.Field("id")
		n, isNum := v.(json.Number)
		if !ok || !isNum {
			return true
		}
		id, _ := n.Int64()
		if s.failAt > 0 && id == int64(s.failAt) {
			failed = fmt.Errorf("%w at id %d", errStageFailed, id)
		}
		if id%2 == 1 {
			return false
		}
		return r.SetField("stage.seen", true) == nil
	})
	return failed
}

var registerEven = sync.OnceFunc(func() {
	stages.MustRegister(stages.NewFactory("e2e_even", nil, func(o evenOptions, _ stages.Settings) (stages.Stage, error) {
		return evenStage{failAt: o.FailAt}, nil
	}))
})

// TestStageFiltersAndChanges: a stage a program registered runs on every
// record between partition and buffer; the records it drops are accounted
// for in their rounds (the durable offsets still reach the end of each
// partition), and the records it changes are stored changed, exactly once.
func TestStageFiltersAndChanges(t *testing.T) {
	registerEven()
	const topic, parts = "events", 3
	kc := kafkatest.Start(t, parts, topic)
	url := "file://" + t.TempDir()
	cfg := testConfig(t, kc.Brokers(), url, topic)
	cfg.Defaults.Stages = []stages.Spec{{Name: "e2e_even"}}
	require.NoError(t, cfg.Validate())
	st := openStore(t, url, cfg.Destination.S3)

	kc.ProduceJSON(t, topic, parts, 3000, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	end := kc.EndOffsets(t, topic)
	r := start(t, cfg, pipelineSettings())
	archivetest.WaitDurable(t, st, topic, end, 60*time.Second)
	require.NoError(t, r.stop(t))

	rows := archivetest.ReadFiltered(t, st)
	require.Len(t, rows, 1500, "the odd half is filtered")
	seen := map[int64]bool{}
	for _, row := range rows {
		var v struct {
			ID    int64 `json:"id"`
			Stage struct {
				Seen bool `json:"seen"`
			} `json:"stage"`
		}
		require.NoError(t, json.Unmarshal(row.Value, &v), string(row.Value))
		assert.Zero(t, v.ID%2, "odd id %d stored", v.ID)
		assert.True(t, v.Stage.Seen, "the stage's change is stored")
		assert.False(t, seen[v.ID], "id %d stored twice", v.ID)
		seen[v.ID] = true
	}
	stats := r.p.Stats()
	assert.Equal(t, int64(1500), stats.RecordsFiltered)
}

// TestStageErrorStopsSluice: a stage's error stops sluice with the error;
// what its partition held before the failed batch is stored, nothing of
// the batch or after it is, and a restart without the failure archives the
// rest exactly once.
func TestStageErrorStopsSluice(t *testing.T) {
	registerEven()
	const topic = "events"
	kc := kafkatest.Start(t, 1, topic)
	url := "file://" + t.TempDir()
	cfg := testConfig(t, kc.Brokers(), url, topic)
	cfg.Ingest.Batch.Records = 10
	cfg.Ingest.Batch.Linger = time.Minute // batches of exactly 10
	cfg.Defaults.Stages = []stages.Spec{{Name: "e2e_even"}}
	failing := cfg
	failing.Defaults.Stages = []stages.Spec{{Name: "e2e_even", Options: conf.OptionsOf(&evenOptions{FailAt: 55})}}
	require.NoError(t, failing.Validate())
	st := openStore(t, url, cfg.Destination.S3)
	kc.ProduceJSON(t, topic, 1, 100, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))

	r := start(t, failing, pipelineSettings())
	var err error
	select {
	case err = <-r.done:
		r.done <- err // for Cleanup
	case <-time.After(60 * time.Second):
		t.Fatal("sluice did not stop on a failing stage")
	}
	require.ErrorIs(t, err, errStageFailed)
	assert.Contains(t, err.Error(), `stage "e2e_even" of topic "events"`)
	before := archivetest.Offsets(t, archivetest.ReadFiltered(t, st))[topic+"/0"]
	slices.Sort(before)
	for i, o := range before {
		require.Equal(t, int64(2*i), o, "the even offsets before the failure, without a gap")
		require.Less(t, o, int64(50), "nothing of the failed batch [50..59] or after it")
	}

	r = start(t, cfg, pipelineSettings())
	archivetest.WaitDurable(t, st, topic, kc.EndOffsets(t, topic), 60*time.Second)
	require.NoError(t, r.stop(t))
	rows := archivetest.ReadFiltered(t, st)
	require.Len(t, rows, 50)
	offsets := archivetest.Offsets(t, rows)[topic+"/0"]
	slices.Sort(offsets)
	for i, o := range offsets {
		require.Equal(t, int64(2*i), o, "every even offset once (id i is offset i here)")
	}
}
