package main

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// fileSweepRecordSize is the record size of the file-size sweep: larger
// records than the default reach a 1 GiB file with fewer records.
const fileSweepRecordSize = 1000

// targetRSSMiB is the memory target.
const targetRSSMiB = 256

// sweepPoint is one point of a scaling sweep.
type sweepPoint struct {
	sweep string
	data  dataset
	run   sluiceRun
}

// sweeps measures how sluice's throughput and peak RSS grow with
// partitions, record size, open output partitions and file size (sluice →
// file:// Parquet zstd).
func (h *harness) sweeps(ctx context.Context) error {
	o := h.opts
	rep := Report{Kind: "sweep", Started: h.started, Machine: h.machine, Options: h.optionMap()}
	var rssOpen1000 float64
	var rssBySize []Result
	var (
		data  loaded
		have  bool
		topic int
	)
	defer func() {
		if have {
			h.broker.deleteTopic(ctx, data.Topic)
		}
	}()
	for i, pt := range h.sweepPoints() {
		pt.data.Seed = o.seed
		last := data.dataset
		last.Topic = ""
		if !have || pt.data != last {
			// A new dataset: drop the last one (the broker keeps it in memory).
			if have {
				h.broker.deleteTopic(ctx, data.Topic)
				have = false
			}
			topic++
			pt.data.Topic = fmt.Sprintf("sweep-%d", topic)
			h.logf("sweep %s: preloading %d records of %d B over %d partitions", pt.sweep, pt.data.Records, pt.data.RecordSize, pt.data.Partitions)
			var err error
			if data, err = preload(ctx, h.broker, pt.data); err != nil {
				return err
			}
			have = true
		}
		pt.run.Format, pt.run.Dest, pt.run.Idle = "parquet", "file", o.idle
		pt.run.Key = fmt.Sprintf("sweep-%d", i+1)
		pt.run.Name = "sweep " + pt.sweep
		if o.cpuProfile {
			pt.run.Profile = o.results
		}
		r, err := h.runSluice(ctx, data, pt.run)
		if err != nil {
			return fmt.Errorf("sweep %s %v: %w", pt.sweep, pt.run.Params, err)
		}
		h.logf("  %v: %.1fs %.0f rec/s %.1f MB/s %.1f MiB peak RSS, %d files", r.Params, r.WallSeconds, r.RecordsPerS, r.MBPerS, r.PeakRSSMiB, r.Files)
		rep.Results = append(rep.Results, r)
		switch {
		case pt.sweep == "open output partitions" && pt.data.Hours >= 1000:
			rssOpen1000 = r.PeakRSSMiB
		case pt.sweep == "file size":
			rssBySize = append(rssBySize, r)
		}
	}
	if rssOpen1000 > 0 {
		rep.Targets = append(rep.Targets, Target{
			Name:     fmt.Sprintf("peak RSS ≤ %d MiB with 1000 open output partitions, max_bytes %s", targetRSSMiB, sizeName(o.sweepFile)),
			Measured: fmt.Sprintf("%.1f MiB", rssOpen1000), Met: rssOpen1000 <= targetRSSMiB,
		})
	}
	if n := len(rssBySize); n > 1 {
		first, last := rssBySize[0], rssBySize[n-1]
		rep.Targets = append(rep.Targets, Target{
			Name: "peak RSS does not grow with file size",
			Measured: fmt.Sprintf("%.1f MiB at %s, %.1f MiB at %s", first.PeakRSSMiB, first.Params["max_bytes"],
				last.PeakRSSMiB, last.Params["max_bytes"]),
			Met: last.PeakRSSMiB <= targetRSSMiB && last.PeakRSSMiB <= 1.25*first.PeakRSSMiB,
		})
	}
	printTable(h.out, rep)
	return writeReport(o.results, rep)
}

// sweepPoints lists the points: partitions (1, 8, 64), record size (100 B,
// 1 KB, 10 KB at equal bytes), open output partitions (1, 100, 1000 hours of
// late events, files up to -sweep-file-max) and file size (16 MiB up to
// -sweep-file-max, one partition holding a little more than the largest).
func (h *harness) sweepPoints() []sweepPoint {
	o := h.opts
	var pts []sweepPoint
	for _, p := range []int{1, 8, 64} {
		pts = append(pts, sweepPoint{
			sweep: "partitions",
			data:  dataset{Partitions: p, Records: o.sweepN, RecordSize: o.recordSize},
			run:   sluiceRun{MaxBytes: o.maxBytes, Params: map[string]string{"partitions": strconv.Itoa(p)}},
		})
	}
	bytes := o.sweepN * int64(o.recordSize)
	for _, size := range []int{100, 1000, 10000} {
		pts = append(pts, sweepPoint{
			sweep: "record size",
			data:  dataset{Partitions: o.partitions, Records: max(bytes/int64(size), 1000), RecordSize: size},
			run:   sluiceRun{MaxBytes: o.maxBytes, Params: map[string]string{"record_size": strconv.Itoa(size)}},
		})
	}
	for _, hours := range []int{1, 100, 1000} {
		pts = append(pts, sweepPoint{
			sweep: "open output partitions",
			data:  dataset{Partitions: o.partitions, Records: o.sweepN, RecordSize: o.recordSize, Hours: hours},
			run: sluiceRun{
				MaxBytes: o.sweepFile, MaxOpenFiles: 2 * max(hours, o.partitions),
				MaxEventSpan: time.Duration(hours+1) * time.Hour,
				Params:       map[string]string{"output_partitions": strconv.Itoa(hours), "max_bytes": sizeName(o.sweepFile)},
			},
		})
	}
	var sizes []int64
	for _, size := range []int64{16 << 20, 128 << 20, 1 << 30} {
		if size < o.sweepFile {
			sizes = append(sizes, size)
		}
	}
	sizes = append(sizes, o.sweepFile)
	fileRecords := o.sweepFile*21/20/fileSweepRecordSize + 1
	for _, size := range sizes {
		pts = append(pts, sweepPoint{
			sweep: "file size",
			data:  dataset{Partitions: 1, Records: fileRecords, RecordSize: fileSweepRecordSize},
			run:   sluiceRun{MaxBytes: size, Params: map[string]string{"max_bytes": sizeName(size), "partitions": "1"}},
		})
	}
	return pts
}

// sizeName writes a byte size with a binary unit ("16MiB").
func sizeName(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "GiB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	}
	return strconv.FormatInt(n, 10) + "B"
}
