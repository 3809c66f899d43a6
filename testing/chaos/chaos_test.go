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
	"github.com/sluicehq/sluice/testing/kafkatest"
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
		rng:      rand.New(rand.NewPCG(seed, 0x5eed_c4a05)),
		duration: *durationFlag,
		n:        tally{kinds: map[kind]int{}},
	}
	// The first buffer tmpfs, before anything runs: mounting needs root
	// (without it the test skips, and fails in CI).
	h.takeDisk()
	h.minio = minio.Start(t)
	h.minio.CreateBucket(t, bucket)
	proxy, err := faults.NewProxy(h.minio.Endpoint, faults.WithSeed(seed))
	require.NoError(t, err)
	t.Cleanup(func() { _ = proxy.Close() })
	h.proxy = proxy
	h.kafka, err = faults.NewKafkaProxy("")
	require.NoError(t, err)
	t.Cleanup(func() { _ = h.kafka.Close() })
	brokerDir := filepath.Join(dir, "broker")
	require.NoError(t, os.MkdirAll(brokerDir, 0o755))
	args := []string{"-advertised-addr", h.kafka.Addr()}
	if *secureFlag {
		// Restarts reuse the flags: the same certificate and user.
		certs := kafkatest.NewCerts(t)
		user := kafkatest.User{Mechanism: "SCRAM-SHA-512", User: "sluice", Pass: "chaos-scram-pw"}
		h.secure = &kafkatest.Security{ClientTLS: certs.ClientTLS(t), Users: []kafkatest.User{user}}
		h.caFile = certs.CAFile
		args = append(args, "-tls-cert", certs.ServerCert, "-tls-key", certs.ServerKey,
			"-sasl-user", user.Mechanism+":"+user.User+":"+user.Pass)
	}
	h.broker = broker.Start(t, broker.Options{Topics: map[string]int32{topic: partitions}, DataDir: brokerDir, Args: args})
	h.kafka.SetTarget(h.broker.Addr()) // the same across restarts
	if h.secure != nil {
		requireRefused(t, h.broker.Addr(), "a plaintext client")
		requireRefused(t, h.broker.Addr(), "a TLS client without SASL",
			kafkatest.Security{ClientTLS: h.secure.ClientTLS}.ClientOpts(t)...)
	}
	h.adm = admin(t, h.broker.Addr(), h.clientOpts()...)
	st, err := objstore.Open(t.Context(), destURL, h.minio.S3Config(), objstore.Settings{})
	require.NoError(t, err)

	var r result
	defer func() { h.report(&r) }()

	prod, err := newProducer(h.broker.Addr(), topic, h.clientOpts()...)
	require.NoError(t, err)
	defer prod.close()
	h.begin = time.Now()
	prod.run(*rateFlag)
	h.logf("chaos run: seed=%d duration=%s rate=%d/s secure=%t", seed, *durationFlag, *rateFlag, *secureFlag)

	h.run()
	require.False(t, t.Failed(), "the chaos scheduler failed")

	// Wind down: no more chaos, everything produced acknowledged.
	h.logf("chaos over: resuming paused processes, clearing S3 faults, healing Kafka, freeing the disk, stopping the producer")
	h.heal(true)
	h.unfill(true)
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
	end := endOffsets(t, h.broker.Addr(), h.clientOpts()...)
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
	h.n.kinds[kindStart]++
	h.logf("waiting for sluice #%d to make everything durable", final[0].id)
	require.True(t, final[0].waitReady(2*time.Minute), "final sluice #%d did not start", final[0].id)
	archivetest.WaitDurable(t, st, topic, end, 5*time.Minute)
	final[0].signal(t, syscall.SIGTERM)
	require.True(t, final[0].waitExit(60*time.Second), "final sluice #%d did not stop within 60s of SIGTERM", final[0].id)
	h.tick(false)
	require.Equal(t, 0, final[0].cmd.ProcessState.ExitCode(), "final sluice #%d exit code", final[0].id)

	h.check(st, acked, end, &r)
	if *requireKindsFlag {
		for _, k := range h.missing() {
			t.Errorf("chaos kind %q did not happen in this run (-chaos.require-kinds)", k)
		}
		if h.n.actions < minActions {
			t.Errorf("the run did %d actions, fewer than %d (-chaos.require-kinds)", h.n.actions, minActions)
		}
	}
	if n := h.faultEvents(); n < *minFaultsFlag {
		t.Errorf("the run injected %d faults, fewer than %d (-chaos.min-faults)", n, *minFaultsFlag)
	}
}

// result is the outcome the last line reports.
type result struct {
	produced           int64
	duplicates, losses int64
	// filtered counts the offsets the -chaos.filter stage dropped.
	filtered int64
	// rejected counts the offsets dead-lettered (-chaos.typed).
	rejected int64
	// faults counts the S3 requests and Kafka connections a fault hit.
	faults int64
	// assignments counts partition assignments logged by the processes,
	// rebalances the distinct group generations they were assigned in;
	// errorExits counts processes that exited by themselves with an error.
	assignments, rebalances, errorExits int
}

// report prints what the run did, the tails of the processes' stderr when it
// failed, and the line CI reads.
func (h *harness) report(r *result) {
	t := h.t
	for _, p := range h.procs {
		if !p.alive() && p.cmd.ProcessState.ExitCode() > 0 {
			r.errorExits++
			t.Logf("sluice #%d exited with an error; last lines:\n%s", p.id, p.tail(5))
		}
	}
	r.assignments, r.rebalances = h.rebalances()
	for _, n := range h.proxy.Stats().Injected {
		r.faults += n
	}
	ks := h.kafka.Stats()
	r.faults += ks.Blackholed + ks.Reset
	if t.Failed() {
		for _, p := range h.procs {
			t.Logf("--- %s, stderr tail:\n%s", p.describe(), p.tail(40))
		}
		out := h.broker.Output()
		t.Logf("--- broker output tail:\n%s", out[max(0, len(out)-4000):])
		t.Logf("--- consumer group: %s", describeGroup(h.broker.Addr(), h.clientOpts()...))
	}
	if *logDirFlag != "" {
		h.keepLogs(*logDirFlag)
	}
	t.Log("chaos summary:\n  " + strings.Join(h.summary(r), "\n  "))
	verdict := "PASS"
	if t.Failed() {
		verdict = "FAIL"
	}
	missing := "none"
	if m := h.missing(); len(m) > 0 {
		missing = strings.ReplaceAll(strings.ToLower(joinKinds(m)), " ", "_")
	}
	n := h.n
	fields := []struct {
		name  string
		value any
	}{
		{"seed", h.seed}, {"duration", h.duration}, {"secure", *secureFlag}, {"filter", *filterFlag}, {"typed", *typedFlag}, {"actions", n.actions},
		{"kills", n.kinds[kindKill]}, {"crash_window_kills", h.crashWindows()},
		{"pauses", n.kinds[kindZombie]}, {"graceful", n.kinds[kindTerm]},
		{"s3_fault_periods", n.kinds[kindS3Status] + n.kinds[kindS3Delay] + n.kinds[kindS3Reset] + n.kinds[kindS3ResetResp] + n.kinds[kindS3Throttle]},
		{"s3_throttles", n.kinds[kindS3Throttle]},
		{"kafka_blackholes", n.kinds[kindKafkaHole]}, {"kafka_resets", n.kinds[kindKafkaReset]},
		{"broker_restarts", n.kinds[kindBrokerRestart]}, {"disk_fills", n.kinds[kindDiskFull]},
		{"scale_outs", n.kinds[kindScaleOut]}, {"scale_ins", n.kinds[kindScaleIn]},
		{"rebalances", r.rebalances}, {"fault_events", h.faultEvents()}, {"faults", r.faults},
		{"produced", r.produced}, {"filtered", r.filtered}, {"rejected", r.rejected}, {"duplicates", r.duplicates}, {"losses", r.losses}, {"missing_kinds", missing},
	}
	line := "CHAOS RESULT: " + verdict
	for _, f := range fields {
		line += fmt.Sprintf(" %s=%v", f.name, f.value)
	}
	t.Log(line)
	fmt.Println(line)
}
