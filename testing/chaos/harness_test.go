//go:build chaos

package chaos

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/sluicehq/sluice/testing/broker"
	"github.com/sluicehq/sluice/testing/faults"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/testing/minio"
)

const (
	topic          = "events"
	partitions     = 6
	group          = "sluice-chaos"
	bucket         = "archive"
	destURL        = "s3://" + bucket + "/raw"
	sessionTimeout = 6 * time.Second
	maxProcs       = 3
)

// harness owns the processes of one chaos run. Only the test goroutine
// touches it.
type harness struct {
	t      *testing.T
	dir    string
	seed   uint64
	rng    *rand.Rand
	begin  time.Time
	broker *broker.Process
	minio  *minio.Server
	proxy  *faults.Proxy
	// kafka is the TCP proxy between the sluice processes and the broker,
	// which the broker advertises.
	kafka *faults.KafkaProxy
	// adm describes the consumer group to tell when it settled.
	adm *kadm.Client
	// duration is how long the scheduler injects chaos.
	duration time.Duration
	// next is when the scheduler's next action is due.
	next time.Time
	// brokerDowns are the times the broker was killed.
	brokerDowns []time.Time

	procs  []*proc
	nextID int
	// reaped marks processes whose exit was logged.
	reaped map[int]bool
	// faultUntil is when the active S3 fault is cleared (zero: none).
	faultUntil time.Time
	// partitionUntil is when the active Kafka partition heals (zero: none).
	partitionUntil time.Time
	// disks are the tmpfs mounts of the processes' buffer directories;
	// filled is the one a fill made full until fillUntil (nil: none).
	disks     []*disk
	filled    *disk
	fillUntil time.Time
	// secure, with -chaos.secure, is how every client reaches the broker
	// (TLS and a SCRAM-SHA-512 user); caFile is the CA sluice trusts.
	secure *kafkatest.Security
	caFile string
	n      tally
}

// logf logs one line stamped with the time since the run began.
func (h *harness) logf(format string, args ...any) {
	h.t.Helper()
	h.t.Logf("[%7.2fs] %s", time.Since(h.begin).Seconds(), fmt.Sprintf(format, args...))
}

// config is the sluice configuration of one process; maxDisk, if not
// empty, is its buffer.max_disk.
func (h *harness) config(bufferDir, maxDisk, clientID string) string {
	s3 := h.minio.S3Config()
	var sec, disk string
	if h.secure != nil {
		u := h.secure.Users[0]
		sec = fmt.Sprintf(`  tls: {enabled: true, ca_file: %s}
  sasl: {mechanism: %s, username: %s, password: %s}
`, h.caFile, u.Mechanism, u.User, u.Pass)
	}
	if maxDisk != "" {
		disk = "  max_disk: " + maxDisk + "\n"
	}
	// At debug level a process tells when a spill waits for room under
	// max_disk (diskWaitLine): the summary counts those of small bounds.
	level := "info"
	if maxDisk == smallMaxDisk {
		level = "debug"
	}
	return fmt.Sprintf(`kafka:
  brokers: [%s]
  topics: [%s]
  group: %s
  client_id: %s
  session_timeout: %s
%sdestination:
  url: %s
  s3:
    endpoint: %s
    region: us-east-1
    path_style: true
    access_key_id: %s
    secret_access_key: %s
buffer:
  dir: %s
  memory: %s
%sdefaults:
  parser:
    type: json
    json: {time_field: ts, time_format: unix_ms}
  policy: {max_records: 300, idle: 500ms}
%s%sshutdown_timeout: 30s
log:
  level: %s
`, h.kafka.Addr(), topic, group, clientID, sessionTimeout, sec, destURL, h.proxy.URL(), s3.AccessKeyID, s3.SecretAccessKey,
		bufferDir, bufferMemory, disk, stagesConfig(), typedConfig(), level)
}

// typedConfig is the defaults' schema and columns with -chaos.typed: the
// events' fields as typed columns, the raw value kept for the checks.
func typedConfig() string {
	if !*typedFlag {
		return ""
	}
	return `  schema:
    fields:
      - {name: id, type: int64, nullable: false}
      - {name: ts, type: timestamp, unit: ms, format: unix_ms}
      - {name: pad, type: string}
      - {name: "n", type: int64}
  format:
    columns: {value: _value}
`
}

// stagesConfig is the defaults' stages list: the filter with -chaos.filter.
func stagesConfig() string {
	if *filterFlag {
		return filterStage
	}
	return ""
}

// ready returns the active processes that are ready for a graceful stop.
func (h *harness) ready() []*proc {
	var out []*proc
	for _, p := range h.alive(true) {
		if p.ready() {
			out = append(out, p)
		}
	}
	return out
}

// alive returns the processes that have not exited; active excludes paused
// ones, those stopping after SIGTERM and those cut off the broker.
func (h *harness) alive(active bool) []*proc {
	var out []*proc
	for _, p := range h.procs {
		if p.alive() && !(active && (p.paused || p.stopping || p.cut)) {
			out = append(out, p)
		}
	}
	return out
}

// tick does what is due: resumes paused processes, clears S3 faults, heals
// Kafka partitions, frees a full disk, logs
// exits and, with keepOne, starts a healthy process when none is active.
func (h *harness) tick(keepOne bool) {
	now := time.Now()
	for _, p := range h.procs {
		if p.paused && !now.Before(p.resume) {
			p.paused = false
			p.signal(h.t, syscall.SIGCONT)
			h.logf("SIGCONT sluice #%d (zombie resumes)", p.id)
		}
		if !p.alive() && !h.reaped[p.id] {
			h.reaped[p.id] = true
			h.logf("exited: %s", p.describe())
		}
	}
	h.heal(false)
	h.unfill(false)
	if !h.faultUntil.IsZero() && !now.Before(h.faultUntil) {
		h.proxy.Clear()
		h.faultUntil = time.Time{}
		h.logf("S3 faults cleared")
	}
	if keepOne && len(h.alive(true)) == 0 {
		p := startProc(h.t, h, false)
		h.n.kinds[kindStart]++
		h.logf("start sluice #%d (none was active)", p.id)
	}
}
