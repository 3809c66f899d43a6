package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// harness owns the processes and directories of a run.
type harness struct {
	opts    options
	out     io.Writer
	started time.Time
	work    string // scratch, removed by close
	bins    binaries
	machine Machine
	broker  *broker
	minio   *minioServer
	otlp    *otlpSink
}

// newHarness builds the programs and starts the broker, MinIO (unless
// skipped) and the OTLP sink.
func newHarness(ctx context.Context, opts options, out io.Writer) (_ *harness, err error) {
	h := &harness{opts: opts, out: out, started: time.Now().UTC()}
	defer func() {
		if err != nil {
			h.close()
		}
	}()
	if err := os.MkdirAll(opts.results, 0o755); err != nil {
		return nil, fmt.Errorf("creating the results directory: %w", err)
	}
	if h.work, err = os.MkdirTemp(opts.workDir, "sluice-bench-"); err != nil {
		return nil, fmt.Errorf("creating the scratch directory: %w", err)
	}
	h.logf("building sluice, kafkabroker and benchconsumer")
	if h.bins, err = buildAll(filepath.Join(h.work, "bin")); err != nil {
		return nil, err
	}
	h.machine = describeMachine(h.bins.goVersion)
	h.logf("machine: %s, %d cores, %s GiB, load %s", h.machine.CPU, h.machine.Cores, h.machine.MemoryGiB, h.machine.Load)
	if h.broker, err = startBroker(h.bins.broker, h.work); err != nil {
		return nil, err
	}
	if !opts.skipMinIO && !opts.sweep && len(opts.topics) == 0 {
		h.logf("starting MinIO (built from the module proxy on first use, a few minutes)")
		if h.minio, err = startMinIO(ctx, h.work); err != nil {
			return nil, err
		}
	}
	if h.otlp, err = newOTLPSink(); err != nil {
		return nil, err
	}
	return h, nil
}

// close stops everything and removes the scratch directory.
func (h *harness) close() {
	if h.otlp != nil {
		h.otlp.close()
	}
	if h.minio != nil {
		h.minio.close()
	}
	if h.broker != nil {
		h.broker.close()
	}
	if h.work != "" {
		_ = os.RemoveAll(h.work)
	}
}

// logf prints a progress line.
func (h *harness) logf(format string, args ...any) {
	_, _ = fmt.Fprintf(h.out, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// profileDir is where sluice writes its profiles, "" without -cpuprofile.
func (h *harness) profileDir() string {
	if !h.opts.cpuProfile {
		return ""
	}
	return h.opts.results
}

// optionMap records the options in the report.
func (h *harness) optionMap() map[string]string {
	o := h.opts
	return map[string]string{
		"n": strconv.FormatInt(o.records, 10), "count": strconv.Itoa(o.count), "partitions": strconv.Itoa(o.partitions),
		"record_size": strconv.Itoa(o.recordSize), "max_bytes": strconv.FormatInt(o.maxBytes, 10),
		"idle": o.idle.String(), "sweep_n": strconv.FormatInt(o.sweepN, 10),
		"sweep_file_max": strconv.FormatInt(o.sweepFile, 10), "seed": strconv.FormatUint(o.seed, 10),
		"topic_partitions": strconv.Itoa(o.topicParts), "topic_records": strconv.Itoa(o.topicRecords),
		"topic_rounds": strconv.Itoa(o.topicRounds),
	}
}
