package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Exit codes.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
)

// options are the command line.
type options struct {
	records    int64
	count      int
	partitions int
	recordSize int
	results    string
	workDir    string
	cpuProfile bool
	execTrace  bool
	maxBytes   int64
	idle       time.Duration
	skipMinIO  bool
	skipTrace  bool
	sweep      bool
	sweepN     int64
	sweepFile  int64
	seed       uint64
	// The many-topics measurement (-topics).
	topics       []int
	topicParts   int
	topicRecords int
	topicRounds  int
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		_, _ = fmt.Fprintf(stderr, "bench: %v\n", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	h, err := newHarness(ctx, opts, stdout)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "bench: %v\n", err)
		return exitRuntime
	}
	defer h.close()
	switch {
	case len(opts.topics) > 0:
		err = h.manyTopics(ctx)
	case opts.sweep:
		err = h.sweeps(ctx)
	default:
		err = h.compare(ctx)
	}
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "bench: %v\n", err)
		return exitRuntime
	}
	return exitOK
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Int64Var(&o.records, "n", 2_000_000, "records to preload and consume")
	fs.IntVar(&o.count, "count", 1, "rounds of the comparison: every row runs this many times, interleaved, and reports its median run (odd counts give a true median)")
	fs.IntVar(&o.partitions, "partitions", 8, "partitions of the topic")
	fs.IntVar(&o.recordSize, "record-size", 300, "size of each JSON record value, bytes")
	fs.StringVar(&o.results, "results", "", "results directory (default ./bench-results/<UTC timestamp>)")
	fs.StringVar(&o.workDir, "work-dir", "", "scratch directory for broker data, outputs and binaries (default: the system temp dir); emptied afterwards")
	fs.BoolVar(&o.cpuProfile, "cpuprofile", false, "have sluice write pprof CPU and heap (alloc) profiles of each run into the results directory")
	fs.BoolVar(&o.execTrace, "exectrace", false, "have sluice write a Go execution trace of each run into the results directory (<row>.trace, large: keep -n small)")
	fs.Int64Var(&o.maxBytes, "max-bytes", 128<<20, "sluice policy.max_bytes: file size at which a round is sealed")
	fs.DurationVar(&o.idle, "idle", 2*time.Second, "sluice policy.idle (rounds are sealed by count at each partition's last record; idle only seals what a stall leaves open)")
	fs.BoolVar(&o.skipMinIO, "no-minio", false, "skip the MinIO row")
	fs.BoolVar(&o.skipTrace, "no-tracing", false, "skip the run with tracing on")
	fs.BoolVar(&o.sweep, "sweep", false, "run the scaling sweeps instead of the comparison")
	fs.Int64Var(&o.sweepN, "sweep-n", 300_000, "records per sweep point (of -record-size; the record-size sweep keeps the bytes instead)")
	fs.Int64Var(&o.sweepFile, "sweep-file-max", 1<<30, "largest file size of the file-size sweep (it preloads a little more than this)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the generated records")
	fs.Func("topics", "run the many-topics measurement instead of the comparison, for each of these topic counts (\"50,200,500\"): one topic_regex over them all, a second process joining and leaving", func(s string) error {
		for f := range strings.SplitSeq(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				return fmt.Errorf("want positive topic counts separated by commas, got %q", f)
			}
			o.topics = append(o.topics, n)
		}
		return nil
	})
	fs.IntVar(&o.topicParts, "topic-partitions", 2, "partitions of each topic of -topics")
	fs.IntVar(&o.topicRecords, "topic-records", 5, "records in each partition of -topics")
	fs.IntVar(&o.topicRounds, "topic-rounds", 2, "runs of each -topics count")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var errs []error
	if o.records < 1 {
		errs = append(errs, errors.New("-n must be positive"))
	}
	if o.count < 1 {
		errs = append(errs, errors.New("-count must be positive"))
	}
	if o.sweep && o.count > 1 {
		errs = append(errs, errors.New("-count applies to the comparison, not to -sweep"))
	}
	if len(o.topics) > 0 && (o.sweep || o.topicParts < 1 || o.topicRecords < 1 || o.topicRounds < 1) {
		errs = append(errs, errors.New("-topics excludes -sweep, and -topic-partitions, -topic-records and -topic-rounds must be positive"))
	}
	if o.partitions < 1 {
		errs = append(errs, errors.New("-partitions must be positive"))
	}
	if o.recordSize < minRecordSize {
		errs = append(errs, fmt.Errorf("-record-size must be at least %d", minRecordSize))
	}
	if o.maxBytes < 1<<20 {
		errs = append(errs, errors.New("-max-bytes must be at least 1MiB"))
	}
	if o.idle <= 0 {
		errs = append(errs, errors.New("-idle must be positive"))
	}
	if o.sweepN < 1000 || o.sweepFile < 16<<20 {
		errs = append(errs, errors.New("-sweep-n must be at least 1000 and -sweep-file-max at least 16MiB"))
	}
	if o.results == "" {
		o.results = filepath.Join("bench-results", time.Now().UTC().Format("20060102T150405Z"))
	}
	return o, errors.Join(errs...)
}
