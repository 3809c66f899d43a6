//go:build chaos

package chaos

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/broker"
	"github.com/sluicehq/sluice/testing/faults"
	"github.com/sluicehq/sluice/testing/minio"
	"github.com/sluicehq/sluice/transport/objstore"
)

// TestChaos runs one chaos run with -chaos.seed for -chaos.duration, lets a
// healthy process archive everything, and checks exactly once.
func TestChaos(t *testing.T) {
	seed := *seedFlag
	dir := t.TempDir()
	h := &harness{
		t: t, dir: dir, seed: seed, reaped: map[int]bool{},
		rng: rand.New(rand.NewPCG(seed, 0x5eed_c4a05)),
	}
	h.minio = minio.Start(t)
	h.minio.CreateBucket(t, bucket)
	proxy, err := faults.NewProxy(h.minio.Endpoint, faults.WithSeed(seed))
	require.NoError(t, err)
	t.Cleanup(func() { _ = proxy.Close() })
	h.proxy = proxy
	brokerDir := filepath.Join(dir, "broker")
	require.NoError(t, os.MkdirAll(brokerDir, 0o755))
	h.broker = broker.Start(t, broker.Options{Topics: map[string]int32{topic: partitions}, DataDir: brokerDir})
	st, err := objstore.Open(t.Context(), destURL, h.minio.S3Config(), objstore.Settings{})
	require.NoError(t, err)

	var r result
	defer func() { h.report(&r) }()

	prod, err := newProducer(h.broker.Addr(), topic)
	require.NoError(t, err)
	defer prod.close()
	h.begin = time.Now()
	prod.run(*rateFlag)
	h.logf("chaos run: seed=%d duration=%s rate=%d/s", seed, *durationFlag, *rateFlag)

	h.run(*durationFlag)
	require.False(t, t.Failed(), "the chaos scheduler failed")

	// Wind down: no more chaos, everything produced acknowledged.
	h.logf("chaos over: resuming paused processes, clearing S3 faults, stopping the producer")
	for _, p := range h.alive(false) {
		if p.paused {
			p.paused = false
			p.signal(t, syscall.SIGCONT)
		}
	}
	h.proxy.Clear()
	require.NoError(t, prod.stop(2*time.Minute), "flushing the producer")
	acked, produced, failed, dropped := prod.snapshot()
	r.produced = produced
	h.logf("producer: %d records acknowledged, %d failed, %d dropped while the broker was away", r.produced, failed, dropped)
	end := endOffsets(t, h.broker.Addr())
	h.logf("broker end offsets: %v", end)

	// One healthy process archives the rest; the others stop.
	for _, p := range h.alive(false) {
		switch {
		case p.crashy:
			p.signal(t, syscall.SIGKILL)
		case !p.stopping:
			p.signal(t, syscall.SIGTERM)
			p.stopping = true
		}
	}
	for _, p := range h.alive(false) {
		if !p.waitExit(60 * time.Second) {
			p.signal(t, syscall.SIGKILL)
			p.waitExit(10 * time.Second)
		}
	}
	h.tick(false) // logs the exits
	require.Empty(t, h.alive(false))
	final := []*proc{startProc(t, h, false)}
	h.n.starts++
	h.logf("waiting for sluice #%d to make everything durable", final[0].id)
	require.True(t, final[0].waitReady(2*time.Minute), "final sluice #%d did not start", final[0].id)
	archivetest.WaitDurable(t, st, topic, end, 5*time.Minute)
	final[0].signal(t, syscall.SIGTERM)
	require.True(t, final[0].waitExit(60*time.Second), "final sluice #%d did not stop within 60s of SIGTERM", final[0].id)
	h.tick(false)
	require.Equal(t, 0, final[0].cmd.ProcessState.ExitCode(), "final sluice #%d exit code", final[0].id)

	h.check(st, acked, end, &r)
}

// result is the outcome the last line reports.
type result struct {
	produced            int64
	duplicates, losses  int64
	crashWindow, faults int64
	// rebalances counts partition assignments logged by the processes;
	// errorExits counts processes that exited by themselves with an error.
	rebalances, errorExits int
}

// report prints what the run did, the tails of the processes' stderr when it
// failed, and the line CI reads.
func (h *harness) report(r *result) {
	t := h.t
	for _, p := range h.procs {
		out := p.output()
		if strings.Contains(out, crashLine) {
			r.crashWindow++
		}
		r.rebalances += strings.Count(out, assignedLine)
		if !p.alive() && p.cmd.ProcessState.ExitCode() > 0 {
			r.errorExits++
			t.Logf("sluice #%d exited with an error; last lines:\n%s", p.id, p.tail(5))
		}
	}
	stats := h.proxy.Stats()
	for _, n := range stats.Injected {
		r.faults += n
	}
	if t.Failed() {
		for _, p := range h.procs {
			t.Logf("--- %s, stderr tail:\n%s", p.describe(), p.tail(40))
		}
		out := h.broker.Output()
		t.Logf("--- broker output tail:\n%s", out[max(0, len(out)-4000):])
		t.Logf("--- consumer group: %s", describeGroup(h.broker.Addr()))
	}
	n := h.n
	lines := []string{
		fmt.Sprintf("actions:               %d", n.actions),
		fmt.Sprintf("processes started:     %d (%d with the crash hook)", n.starts+n.crashyStarts, n.crashyStarts),
		fmt.Sprintf("SIGKILLs:              %d", n.kills),
		fmt.Sprintf("crash-window kills:    %d (the hook fired between upload and commit)", r.crashWindow),
		fmt.Sprintf("graceful stops:        %d", n.terms),
		fmt.Sprintf("pauses past timeout:   %d", n.pauses),
		fmt.Sprintf("S3 fault periods:      %d, requests hit: %v of %d", n.s3Faults, stats.Injected, stats.Requests),
		fmt.Sprintf("broker restarts:       %d", n.brokerRestarts),
		fmt.Sprintf("partition assignments: %d (rebalances seen by the processes)", r.rebalances),
		fmt.Sprintf("exits with an error:   %d (not by a signal of the suite)", r.errorExits),
		fmt.Sprintf("records produced:      %d", r.produced),
	}
	t.Log("chaos summary:\n  " + strings.Join(lines, "\n  "))
	verdict := "PASS"
	if t.Failed() {
		verdict = "FAIL"
	}
	line := fmt.Sprintf("CHAOS RESULT: %s seed=%d actions=%d kills=%d crash_window_kills=%d pauses=%d graceful=%d broker_restarts=%d faults=%d produced=%d duplicates=%d losses=%d",
		verdict, h.seed, n.actions, n.kills, r.crashWindow, n.pauses, n.terms, n.brokerRestarts, r.faults, r.produced, r.duplicates, r.losses)
	t.Log(line)
	fmt.Println(line)
}
