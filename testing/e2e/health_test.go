package e2e

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/sluicehq/sluice/pipeline"
	"github.com/sluicehq/sluice/pipeline/health"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/faults"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/testing/minio"
)

// probe fetches a health endpoint: its status code and the checks that
// failed, by name, with their errors.
func probe(t *testing.T, url string) (int, map[string]string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	var rep health.Report
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&rep))
	failed := map[string]string{}
	for _, c := range rep.Checks {
		if !c.OK {
			failed[c.Name] = c.Error
		}
	}
	return resp.StatusCode, failed
}

// waitProbe polls url until it answers code, and returns the failed checks
// of that answer.
func waitProbe(t *testing.T, url string, code int, within time.Duration) map[string]string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got, failed := probe(t, url)
		if got == code {
			return failed
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s answered %d, not %d, for %s; failed checks: %v", url, got, code, within, failed)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestHealthProbes runs a pipeline against kfake and MinIO (behind a
// fault-injecting proxy) and follows /healthz and /readyz through its life:
// starting, routers running but the consumer group join held back, joined,
// store unreachable and back, a shutdown in progress, stopped.
func TestHealthProbes(t *testing.T) {
	const topic = "events"
	kc := kafkatest.Start(t, 2, topic)
	srv := minio.Start(t)
	srv.CreateBucket(t, "archive")
	proxy, err := faults.NewProxy(srv.Endpoint)
	require.NoError(t, err)
	t.Cleanup(func() { _ = proxy.Close() })

	// Hold every JoinGroup until gate closes.
	gate, joinAsked := make(chan struct{}), make(chan struct{})
	var asked sync.Once
	kc.ControlKey(int16(kmsg.JoinGroup), func(kmsg.Request) (kmsg.Response, error, bool) {
		kc.KeepControl()
		asked.Do(func() { close(joinAsked) })
		kc.SleepControl(func() { <-gate })
		return nil, nil, false
	})

	cfg := testConfig(t, kc.Brokers(), "s3://archive/raw", topic)
	cfg.Destination.S3 = srv.S3Config()
	cfg.Destination.S3.Endpoint = proxy.URL()
	// Rounds are sealed only by the shutdown.
	cfg.Defaults.Policy.Idle = time.Hour
	cfg.Defaults.Policy.MaxRecords = 1_000_000

	r := start(t, cfg, pipeline.Settings{})
	live, ready := r.p.HealthChecks()
	hs := health.New(health.Config{Listen: "127.0.0.1:0"}, health.Settings{Live: live, Ready: ready, Timeout: 2 * time.Second})
	require.NoError(t, hs.Start())
	t.Cleanup(func() { _ = hs.Shutdown(t.Context()) })
	healthz, readyz := "http://"+hs.Addr()+health.LivePath, "http://"+hs.Addr()+health.ReadyPath

	// Routers running, group not joined: alive, not ready.
	select {
	case <-joinAsked:
	case <-time.After(30 * time.Second):
		t.Fatal("the pipeline did not ask to join the group")
	}
	waitProbe(t, healthz, http.StatusOK, 30*time.Second)
	code, failed := probe(t, readyz)
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, map[string]string{"kafka": `not joined to consumer group "sluice-test" yet`}, failed)

	// Joined: ready.
	close(gate)
	waitProbe(t, readyz, http.StatusOK, 30*time.Second)

	const n = 200
	kc.ProduceJSON(t, topic, 2, n, time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC))
	require.Eventually(t, func() bool { return r.p.Stats().RecordsIn == n }, 30*time.Second, 20*time.Millisecond)

	// The store stops answering: not ready, still alive; then back.
	require.NoError(t, proxy.Set(faults.Fault{Kind: faults.Reset, Rate: 1}))
	failed = waitProbe(t, readyz, http.StatusServiceUnavailable, 10*time.Second)
	assert.Contains(t, failed, "store")
	assert.NotContains(t, failed, "kafka")
	code, _ = probe(t, healthz)
	assert.Equal(t, http.StatusOK, code, "an unreachable store is no reason to restart")
	proxy.Clear()
	waitProbe(t, readyz, http.StatusOK, 10*time.Second)

	// A shutdown in progress (uploads slowed down so that it lasts):
	// alive, not ready.
	require.NoError(t, proxy.Set(faults.Fault{Kind: faults.Delay, Rate: 1, Delay: time.Second, Methods: []string{"PUT", "POST"}}))
	r.cancel()
	failed = waitProbe(t, readyz, http.StatusServiceUnavailable, 10*time.Second)
	assert.Equal(t, map[string]string{"shutdown": "shutting down"}, failed)
	code, _ = probe(t, healthz)
	assert.Equal(t, http.StatusOK, code, "draining is no reason to restart")
	select {
	case err := <-r.done:
		r.done <- err
		require.NoError(t, err)
	case <-time.After(60 * time.Second):
		t.Fatal("pipeline did not stop within 60s")
	}
	st := openStore(t, "s3://archive/raw", srv.S3Config())
	archivetest.WaitDurable(t, st, topic, map[int32]int64{0: n / 2, 1: n / 2}, 10*time.Second)

	// Stopped: neither alive nor ready.
	code, failed = probe(t, healthz)
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, map[string]string{"routers": "the routers stopped"}, failed)
	code, failed = probe(t, readyz)
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Contains(t, failed, "shutdown")
}
