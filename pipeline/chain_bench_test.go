package pipeline

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages"
	"github.com/sluicehq/sluice/stages/buffer"
	"github.com/sluicehq/sluice/stages/parse"
	"github.com/sluicehq/sluice/telemetry"
	"github.com/sluicehq/sluice/transport/link"
)

// BenchmarkIngestChain measures the ingest chain per record, without Kafka
// and without encoding or uploading: batches of 1000 JSON events of four
// partitions through the parse, partition, configured stages and buffer
// handlers (Watermill routers over the ingest link), into Arrow builders
// that spill when full. Sealed rounds are dropped. b.N counts records.
func BenchmarkIngestChain(b *testing.B) {
	for _, bc := range []struct {
		name   string
		stages []stages.Spec
		schema string
	}{
		{"plain", nil, ""},
		{"filter+transform", []stages.Spec{
			{Name: "filter", Options: yamlOptions(b, `{drop_if: 'event == "search"'}`)},
			{Name: "transform", Options: yamlOptions(b, `{rename: {user: user_id}, redact: {name: {method: hash, key: k}}}`)},
		}, ""},
		{"typed", nil, `{fields: [{name: id, type: string}, {name: ts, type: timestamp, unit: ms, format: unix_ms}, {name: event, type: string},
			{name: user, type: int64}, {name: name, type: string}, {name: country, type: string},
			{name: price, type: decimal, precision: 10, scale: 2}, {name: pad, type: string}]}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p := benchPipeline(b, bc.stages, bc.schema)
			ctx := b.Context()
			const parts, batchSize = 4, 1000
			gens := make([]uint64, parts)
			for part := range int32(parts) {
				gens[part] = p.buffer.Assign("events", part, 0, nil)
			}
			values := benchValues(6)
			b.ReportAllocs()
			b.SetBytes(int64(len(values[0])))
			// b.N counts records; the loop hands them over in batches.
			var sent int64
			next := make([]int64, parts)
			var batch *model.Batch
			flush := func() {
				require.NoError(b, p.emitBatch(ctx, batch))
				sent += int64(len(batch.Records))
				batch = nil
			}
			b.ResetTimer()
			for range b.N {
				if batch == nil {
					part := int32(sent / batchSize % parts)
					batch = &model.Batch{Topic: "events", Partition: part, Generation: gens[part],
						Records: make([]model.Record, 0, batchSize)}
				}
				part := batch.Partition
				batch.Records = append(batch.Records, model.Record{Topic: "events", Partition: part, Offset: next[part],
					Value: values[next[part]%int64(len(values))], Timestamp: benchBase})
				next[part]++
				if len(batch.Records) == batchSize {
					flush()
				}
			}
			if batch != nil {
				flush()
			}
			// Timed to the last record in a round, not only handed over.
			st := p.buffer.Stats()
			deadline := time.Now().Add(time.Minute)
			for st.Records.Load()+st.Filtered.Load() < sent && time.Now().Before(deadline) {
				time.Sleep(100 * time.Microsecond)
			}
			b.StopTimer()
			require.Equal(b, sent, st.Records.Load()+st.Filtered.Load())
		})
	}
}

var benchBase = time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)

// benchValues returns n JSON events of about 300 bytes like the bench
// harness's, one of each kind.
func benchValues(n int) [][]byte {
	kinds := []string{"page_view", "click", "add_to_cart", "purchase", "search", "login"}
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(`{"id":"8f2c1e4a77b14c2` + strconv.Itoa(i) + `","ts":` + strconv.FormatInt(benchBase.UnixMilli(), 10) +
			`,"event":"` + kinds[i%len(kinds)] + `","user":12345,"name":"alice","country":"DE","price":123.45,` +
			`"pad":"qwertyuiop asdfghjkl zxcvbnm qwertyuiop asdfghjkl zxcvbnm qwertyuiop asdfghjkl zxcvbnm qwertyuiop asdfghjk"}`)
	}
	return out
}

// yamlOptions returns a stage's options written in YAML.
func yamlOptions(b *testing.B, y string) conf.Options {
	var o conf.Options
	require.NoError(b, yaml.Unmarshal([]byte(y), &o))
	return o
}

// benchPipeline builds the ingest side of a pipeline: topic "events" with
// the JSON parser, hourly partitions and the given stages, its buffer
// dropping sealed rounds, and the ingest router running.
func benchPipeline(b *testing.B, specs []stages.Spec, typed string) *Pipeline {
	cfg := DefaultConfig()
	cfg.Kafka.Brokers, cfg.Kafka.Topics = []string{"127.0.0.1:9"}, []string{"events"}
	cfg.Destination.URL = "file:///unused"
	cfg.Buffer.Dir = b.TempDir()
	cfg.Defaults.Parser = parse.Config{Type: parse.TypeJSON, JSON: parse.JSONConfig{TimeField: "ts", TimeFormat: "unix_ms"}}
	cfg.Defaults.Stages = specs
	if typed != "" {
		require.NoError(b, yaml.Unmarshal([]byte(typed), &cfg.Defaults.Schema))
	}
	cfg.decodeStages()
	p, err := New(cfg, Settings{})
	require.NoError(b, err)
	p.buffer, err = buffer.New(cfg.Buffer, buffer.Settings{Topic: p.bufferTopic,
		Publish: func(_ context.Context, r *model.Round) error { return os.RemoveAll(r.SpillDir()) }})
	require.NoError(b, err)
	require.NoError(b, p.buffer.Start())
	b.Cleanup(func() { _ = p.buffer.Close() })
	ts, err := p.buildTopic("events", nil)
	require.NoError(b, err)
	p.topics["events"], p.maxStages = ts, len(ts.stages)
	p.records = telemetry.NewRecordTracer(telemetry.Noop(), "bench")
	lanes := cfg.Ingest.lanes()
	p.ingestLink = link.New(link.Config{Lanes: lanes, Capacity: 2 * lanes}, nil)
	b.Cleanup(func() { _ = p.ingestLink.Close() })
	r, err := p.ingestRouter()
	require.NoError(b, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	<-r.Running()
	b.Cleanup(func() { cancel(); <-done })
	return p
}
