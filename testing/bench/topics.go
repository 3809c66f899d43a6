package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/transport/objstore"
)

// Polling of the many-topics measurement.
const (
	topicsPoll    = 200 * time.Millisecond
	topicsTimeout = 15 * time.Minute
	// topicsSession is sluice's default kafka.session_timeout: the
	// measurement shows what a user gets without tuning.
	topicsSession = "30s"
)

// topicsResult is one run of the many-topics measurement: one sluice
// process (A) archiving every topic, then a second (B) joining its group
// and leaving it again.
type topicsResult struct {
	Topics     int `json:"topics"`
	Partitions int `json:"partitions"`
	Records    int `json:"records"`
	Round      int `json:"round"`
	// AssignedS is from A's start until the group is stable with one
	// member per topic and every partition assigned.
	AssignedS float64 `json:"assigned_seconds"`
	// DurableS is from A's start until every partition's progress record
	// says next = its end offset.
	DurableS float64 `json:"durable_seconds"`
	// CPUAtDurableS is A's CPU seconds until DurableS.
	CPUAtDurableS float64 `json:"cpu_seconds_at_durable"`
	// RSSAtDurableMiB is A's resident set at DurableS.
	RSSAtDurableMiB float64 `json:"rss_mib_at_durable"`
	// Threads and Sockets are A's peaks (sampled every topicsPoll).
	Threads int `json:"threads"`
	Sockets int `json:"sockets"`
	// JoinS is from B's start until the group is stable with both
	// processes' members and every partition assigned; BOwns is how many
	// partitions B then holds.
	JoinS float64 `json:"join_seconds"`
	BOwns int     `json:"b_owns"`
	// LeaveS is from B's SIGTERM until the group is stable with A's
	// members alone and every partition assigned.
	LeaveS float64 `json:"leave_seconds"`
	// StopS is from A's SIGTERM until it exited.
	StopS float64 `json:"stop_seconds"`
	// PeakRSSMiB and CPUSeconds are A's whole life (rusage).
	PeakRSSMiB float64 `json:"peak_rss_mib"`
	CPUSeconds float64 `json:"cpu_seconds"`
	// BPeakRSSMiB is B's whole life.
	BPeakRSSMiB float64 `json:"b_peak_rss_mib"`
}

// manyTopics measures, for each -topics count, what archiving that many
// topics with one topic_regex costs: start-up until every partition is
// assigned and every record durable, memory, threads, connections, CPU, and
// the rebalances when a second process joins the group and leaves it.
func (h *harness) manyTopics(ctx context.Context) error {
	o := h.opts
	var results []topicsResult
	for _, n := range o.topics {
		for round := 1; round <= o.topicRounds; round++ {
			h.logf("topics %d, round %d: creating %d topics of %d partitions, %d records each", n, round, n, o.topicParts, o.topicRecords)
			r, err := h.topicsRun(ctx, n, round)
			if err != nil {
				return fmt.Errorf("%d topics, round %d: %w", n, round, err)
			}
			h.logf("  assigned %.1fs, durable %.1fs (%.1f CPU s, %.0f MiB), peak %.0f MiB, %d threads, %d sockets; join %.1fs (B owns %d), leave %.1fs, stop %.1fs, %.1f CPU s",
				r.AssignedS, r.DurableS, r.CPUAtDurableS, r.RSSAtDurableMiB, r.PeakRSSMiB, r.Threads, r.Sockets,
				r.JoinS, r.BOwns, r.LeaveS, r.StopS, r.CPUSeconds)
			results = append(results, r)
		}
	}
	printTopics(h.out, results)
	b, err := json.MarshalIndent(map[string]any{
		"kind": "topics", "started": h.started, "machine": h.machine, "options": h.optionMap(), "results": results,
	}, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the results: %w", err)
	}
	path := filepath.Join(o.results, "topics.json")
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	h.logf("wrote %s", path)
	return nil
}

// manyTopicsSet is the preloaded topics of one run.
type manyTopicsSet struct {
	names []string
	regex string
	// end is each topic's partitions' end offsets.
	end map[string]map[int32]int64
}

// createTopics creates n topics of -topic-partitions partitions and
// produces -topic-records records into each partition.
func (h *harness) createTopics(ctx context.Context, n, round int) (manyTopicsSet, error) {
	o := h.opts
	prefix := fmt.Sprintf("many%d-r%d-", n, round)
	set := manyTopicsSet{regex: regexp.QuoteMeta(prefix) + ".*", end: map[string]map[int32]int64{}}
	for i := range n {
		set.names = append(set.names, fmt.Sprintf("%s%04d", prefix, i))
	}
	for i := 0; i < n; i += 100 {
		batch := set.names[i:min(i+100, n)]
		resp, err := h.broker.adm.CreateTopics(ctx, int32(o.topicParts), 1, nil, batch...)
		if err != nil {
			return set, fmt.Errorf("creating topics: %w", err)
		}
		if err := resp.Error(); err != nil {
			return set, fmt.Errorf("creating topics: %w", err)
		}
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(h.broker.addr), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		return set, fmt.Errorf("creating the producer: %w", err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	for _, t := range set.names {
		gen := newGenerator(dataset{Topic: t, Partitions: o.topicParts, Records: int64(o.topicParts * o.topicRecords), RecordSize: 200, Seed: o.seed})
		for i := range int64(o.topicParts * o.topicRecords) {
			recs = append(recs, gen.next(i))
		}
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return set, fmt.Errorf("producing: %w", err)
	}
	ends, err := h.broker.adm.ListEndOffsets(ctx, set.names...)
	if err != nil {
		return set, fmt.Errorf("listing end offsets: %w", err)
	}
	for _, t := range set.names {
		set.end[t] = map[int32]int64{}
	}
	for _, byPart := range ends {
		for p, lo := range byPart {
			set.end[lo.Topic][p] = lo.Offset
		}
	}
	return set, nil
}

// topicsRun is one run: preload, start A, wait for assignment and
// durability, start B, wait for the group to settle, stop B, wait again,
// stop A.
func (h *harness) topicsRun(ctx context.Context, n, round int) (topicsResult, error) {
	o := h.opts
	res := topicsResult{Topics: n, Partitions: o.topicParts, Records: o.topicRecords, Round: round}
	set, err := h.createTopics(ctx, n, round)
	defer func() {
		if len(set.names) > 0 {
			_, _ = h.broker.adm.DeleteTopics(context.WithoutCancel(ctx), set.names...)
		}
	}()
	if err != nil {
		return res, err
	}
	dir, err := os.MkdirTemp(h.work, fmt.Sprintf("topics-%d-", n))
	if err != nil {
		return res, fmt.Errorf("creating a scratch directory: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	out := filepath.Join(dir, "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return res, fmt.Errorf("creating the destination: %w", err)
	}
	st, err := objstore.Open(ctx, "file://"+out, objstore.DefaultS3Config(), objstore.Settings{})
	if err != nil {
		return res, fmt.Errorf("opening the destination: %w", err)
	}
	group := fmt.Sprintf("bench-topics-%d-r%d-%d", n, round, time.Now().UnixNano())
	a, watchA, err := h.startTopicsSluice(dir, "a", set, group)
	if err != nil {
		return res, err
	}
	defer a.kill()
	defer watchA.close()
	parts := n * o.topicParts
	var assigned, durable time.Duration
	err = pollUntil(ctx, a, func() (bool, string, error) {
		if assigned == 0 {
			v, err := h.broker.viewGroup(ctx, group, set, "")
			if err != nil {
				return false, "", err
			}
			if v.settled(n, parts) {
				assigned = time.Since(a.start)
			}
		}
		if durable == 0 {
			behind, err := behindProgress(ctx, st, set)
			if err != nil || behind != "" {
				return false, behind, err
			}
			durable = time.Since(a.start)
			last, _ := watchA.now()
			res.CPUAtDurableS, res.RSSAtDurableMiB = round3(last.CPU.Seconds()), round1(float64(last.RSSKiB)/1024)
		}
		return assigned > 0, "waiting for the group to settle", nil
	})
	if err != nil {
		return res, fmt.Errorf("first process: %w", err)
	}
	res.AssignedS, res.DurableS = round3(assigned.Seconds()), round3(durable.Seconds())

	b, watchB, err := h.startTopicsSluice(dir, "b", set, group)
	if err != nil {
		return res, err
	}
	defer b.kill()
	defer watchB.close()
	err = pollUntil(ctx, b, func() (bool, string, error) {
		v, err := h.broker.viewGroup(ctx, group, set, b.clientID)
		if err != nil || !v.settled(2*n, parts) {
			return false, fmt.Sprintf("group %s, %d members, %d partitions assigned", v.state, v.members, v.assigned), err
		}
		res.JoinS, res.BOwns = round3(time.Since(b.start).Seconds()), v.owned
		return true, "", nil
	})
	if err != nil {
		return res, fmt.Errorf("second process joining: %w", err)
	}
	stopped := time.Now()
	if err := b.stop(stopTimeout); err != nil {
		return res, fmt.Errorf("stopping the second process: %w", err)
	}
	watchB.close()
	res.BPeakRSSMiB = round1(float64(maxRSSKiB(b.cmd.ProcessState)) / 1024)
	err = pollUntil(ctx, a, func() (bool, string, error) {
		v, err := h.broker.viewGroup(ctx, group, set, "")
		if err != nil || !v.settled(n, parts) {
			return false, fmt.Sprintf("group %s, %d members, %d partitions assigned", v.state, v.members, v.assigned), err
		}
		res.LeaveS = round3(time.Since(stopped).Seconds())
		return true, "", nil
	})
	if err != nil {
		return res, fmt.Errorf("second process leaving: %w", err)
	}
	peak := watchA.close()
	res.Threads, res.Sockets = peak.Threads, peak.Sockets
	stopped = time.Now()
	if err := a.stop(stopTimeout); err != nil {
		return res, fmt.Errorf("stopping sluice: %w", err)
	}
	res.StopS = round3(time.Since(stopped).Seconds())
	u := a.usage(0)
	res.PeakRSSMiB, res.CPUSeconds = round1(float64(u.MaxRSSKiB)/1024), round3(u.CPU.Seconds())
	return res, nil
}

// topicsChild is a sluice process of the many-topics measurement.
type topicsChild struct {
	*child
	clientID string
}

// startTopicsSluice starts sluice on every topic of set in group, with its
// own buffer directory and client ID (name) and the shared destination.
func (h *harness) startTopicsSluice(dir, name string, set manyTopicsSet, group string) (*topicsChild, *procWatch, error) {
	cfg := filepath.Join(dir, name+".yaml")
	clientID := "sluice-" + name
	err := writeConfig(cfg, map[string]any{
		"Broker": h.broker.addr, "Regex": set.regex, "Group": group, "Session": topicsSession,
		"BufferDir": filepath.Join(dir, "buffer-"+name), "Format": "parquet",
		"MaxBytes": h.opts.maxBytes, "MaxOpenFiles": 2 * len(set.names) * h.opts.topicParts,
		"MaxRecords": h.opts.topicRecords, "Span": "10m0s", "Idle": h.opts.idle.String(), "OTLP": "", "S3": "",
		"URL": "file://" + filepath.Join(dir, "out"), "ClientID": clientID,
	})
	if err != nil {
		return nil, nil, err
	}
	args := []string{"run", "-c", cfg}
	if h.opts.cpuProfile {
		base := filepath.Join(h.opts.results, fmt.Sprintf("topics-%d-%s-%s", len(set.names), strings.TrimSuffix(set.regex, ".*"), name))
		args = append(args, "--cpuprofile", base+".cpu.pprof", "--memprofile", base+".heap.pprof")
	}
	c, err := startChild("sluice "+name, h.bins.sluice, args, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	return &topicsChild{child: c, clientID: clientID}, watchProc(c.cmd.Process.Pid, topicsPoll), nil
}

// pollUntil calls check every topicsPoll until it reports done, fails, c
// exits or topicsTimeout passes; behind says what is missing.
func pollUntil(ctx context.Context, c *topicsChild, check func() (done bool, behind string, err error)) error {
	deadline := time.Now().Add(topicsTimeout)
	for {
		done, behind, err := check()
		switch {
		case err != nil:
			return err
		case done:
			return nil
		case !c.running():
			return fmt.Errorf("sluice exited (%s): %v\n%s", behind, c.exitErr(), c.out)
		case ctxDone(ctx):
			return ctx.Err()
		case time.Now().After(deadline):
			return fmt.Errorf("not done within %s: %s\n%s", topicsTimeout, behind, c.out)
		}
		time.Sleep(topicsPoll)
	}
}

// behindProgress returns "" when every partition of set is durable to its
// end, else the first partition that is not.
func behindProgress(ctx context.Context, st objstore.Store, set manyTopicsSet) (string, error) {
	ledger := commit.NewLedger(st, "bench")
	for _, t := range set.names {
		for p, end := range set.end[t] {
			prog, ok, err := ledger.Load(ctx, t, p)
			if err != nil {
				return "", fmt.Errorf("reading the progress of %s/%d: %w", t, p, err)
			}
			if !ok || prog.Next < end || prog.Pending != nil {
				return fmt.Sprintf("%s/%d at %d of %d", t, p, prog.Next, end), nil
			}
		}
	}
	return "", nil
}

func round1(v float64) float64 { return round(v, 1) }
func round3(v float64) float64 { return round(v, 3) }
