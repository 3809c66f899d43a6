package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/stages"
	"github.com/sluicehq/sluice/stages/filter"
	"github.com/sluicehq/sluice/stages/transform"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/kafkatest"
)

// TestBuiltinStages: the configured filter and transform run on every
// record: the records filter drops are accounted for in their rounds (the
// durable offsets reach the end of each partition), the stored ones carry
// the transform's changes, and the redacted text is nowhere in them.
func TestBuiltinStages(t *testing.T) {
	const topic, parts, n = "events", 2, 600
	kc := kafkatest.Start(t, parts, topic)
	url := "file://" + t.TempDir()
	cfg := testConfig(t, kc.Brokers(), url, topic)
	cfg.Defaults.Stages = []stages.Spec{
		{Name: "filter", Options: conf.OptionsOf(&filter.Options{DropIf: "id % 3 == 0", OnError: "fail"})},
		{Name: "transform", Options: conf.OptionsOf(&transform.Options{
			Set:     map[string]string{"meta.key": "kafka.key", "meta.even": "id % 2 == 0"},
			Rename:  map[string]string{"ts": "time"},
			Redact:  map[string]transform.Redaction{"msg": {Method: transform.Hash, Key: "k3y"}},
			OnError: "fail",
		})},
	}
	require.NoError(t, cfg.Validate())
	st := openStore(t, url, cfg.Destination.S3)

	kc.ProduceJSON(t, topic, parts, n, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	end := kc.EndOffsets(t, topic)
	r := start(t, cfg, pipelineSettings())
	archivetest.WaitDurable(t, st, topic, end, 60*time.Second)
	require.NoError(t, r.stop(t))

	rows := archivetest.ReadFiltered(t, st)
	require.Len(t, rows, n-n/3, "every third record is filtered")
	seen := map[int]bool{}
	for _, row := range rows {
		assert.NotContains(t, string(row.Value), "event ", "the message is redacted")
		var v struct {
			ID   int    `json:"id"`
			Time int64  `json:"time"`
			Msg  string `json:"msg"`
			Meta struct {
				Key  string `json:"key"`
				Even bool   `json:"even"`
			} `json:"meta"`
		}
		require.NoError(t, json.Unmarshal(row.Value, &v), string(row.Value))
		assert.NotZero(t, v.ID%3, "id %d should have been filtered", v.ID)
		assert.NotZero(t, v.Time, "ts renamed to time")
		mac := hmac.New(sha256.New, []byte("k3y"))
		fmt.Fprintf(mac, "event %d", v.ID)
		assert.Equal(t, hex.EncodeToString(mac.Sum(nil)), v.Msg)
		assert.Equal(t, fmt.Sprintf("k%d", v.ID), v.Meta.Key)
		assert.Equal(t, v.ID%2 == 0, v.Meta.Even)
		assert.False(t, seen[v.ID], "id %d stored twice", v.ID)
		seen[v.ID] = true
	}
	assert.Equal(t, int64(n/3), r.p.Stats().RecordsFiltered)
}
