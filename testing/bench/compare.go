package main

import (
	"context"
	"fmt"
	"time"
)

// Row keys, for ratios.
const (
	keyKcat        = "kcat"
	keyCeiling     = "ceiling"
	keyFileParquet = "file-parquet"
	keyFileJSONL   = "file-jsonl"
	keyS3Parquet   = "s3-parquet"
	keyTraced      = "file-parquet-traced"
	keyStages      = "file-parquet-stages"
	keyTyped       = "file-parquet-typed"
	keyAvro        = "file-parquet-avro"
)

// benchSchema is the typed row's declared schema: every field of the
// harness's records as a typed column.
const benchSchema = `    fields:
      - {name: id, type: string, nullable: false}
      - {name: ts, type: timestamp, unit: ms, format: unix_ms}
      - {name: event, type: string}
      - {name: user, type: int64}
      - {name: name, type: string}
      - {name: country, type: string}
      - {name: price, type: decimal, precision: 10, scale: 2}
      - {name: pad, type: string}`

// benchStages is the stages row's configuration: a filter dropping one
// event kind in six, and a transform renaming a field and hashing another.
const benchStages = `    - filter: {drop_if: 'event == "search"'}
    - transform:
        rename: {user: user_id}
        redact: {name: {method: hash, key: bench-key}}`

// compare is the default run: every row on the same preloaded topic, the
// whole sequence of rows -count times (round 1 runs every row, then round
// 2, ...), so that a slow spell of the machine spreads over the rows
// instead of falling on one. With more than one round each row reports its
// median run (see aggregate); the ratios and targets use those.
func (h *harness) compare(ctx context.Context) error {
	o := h.opts
	h.logf("preloading %d records of %d B over %d partitions", o.records, o.recordSize, o.partitions)
	t0 := time.Now()
	data, err := preload(ctx, h.broker, dataset{Topic: "events", Partitions: o.partitions, Records: o.records, RecordSize: o.recordSize, Seed: o.seed})
	if err != nil {
		return err
	}
	h.logf("preloaded %.1f MB in %s", float64(data.Bytes)/1e6, time.Since(t0).Round(time.Millisecond))
	// The same events as Avro, for the Schema Registry row.
	reg, enc, err := newAvroRegistry()
	if err != nil {
		return err
	}
	defer reg.Close()
	t0 = time.Now()
	avroData, err := preload(ctx, h.broker, dataset{Topic: "events-avro", Partitions: o.partitions, Records: o.records,
		RecordSize: o.recordSize, Seed: o.seed, Avro: enc})
	if err != nil {
		return err
	}
	h.logf("preloaded %.1f MB of Avro in %s", float64(avroData.Bytes)/1e6, time.Since(t0).Round(time.Millisecond))

	rep := Report{Kind: "compare", Started: h.started, Machine: h.machine, Options: h.optionMap()}
	rows := h.compareRows(data, avroData, reg.URL())
	var runs []Result
	for round := 1; round <= o.count; round++ {
		if o.count > 1 {
			h.logf("round %d/%d", round, o.count)
		}
		for _, row := range rows {
			h.logf("running %s", row.name)
			r, err := row.measure(ctx, round)
			if err != nil {
				return fmt.Errorf("measuring %s: %w", row.name, err)
			}
			h.logf("%-58s %8.1fs %10.0f rec/s %7.1f MB/s %6.2f CPU s/M %7.1f MiB", r.Name, r.WallSeconds, r.RecordsPerS, r.MBPerS, r.CPUPerMillio, r.PeakRSSMiB)
			if o.count > 1 {
				r.Round = round
			}
			runs = append(runs, r)
		}
	}
	if o.count > 1 {
		rep.Rounds, rep.Runs, rep.Results = o.count, runs, aggregate(runs)
	} else {
		rep.Results = runs
	}
	rep.Ratios = ratios(rep.Results)
	rep.Targets = compareTargets(rep.Results, h.otlp.requests.Load())
	printTable(h.out, rep)
	return writeReport(h.opts.results, rep)
}

// compareRow is one row of the comparison.
type compareRow struct {
	// name is what the progress lines call the row.
	name string
	// measure runs the row once, in the given round (from 1).
	measure func(ctx context.Context, round int) (Result, error)
}

// compareRows lists the rows in the order they run: kcat, the framework
// ceiling, then sluice to files (Parquet, JSON lines), to MinIO unless
// skipped and traced unless skipped.
func (h *harness) compareRows(data, avroData loaded, registry string) []compareRow {
	o := h.opts
	rows := []compareRow{
		{name: "kcat", measure: func(context.Context, int) (Result, error) {
			return runKcat(data, h.broker.addr)
		}},
		{name: "the framework ceiling", measure: func(context.Context, int) (Result, error) {
			return runCeiling(h.bins.consumer, data, h.broker.addr, fmt.Sprintf("bench-ceiling-%d", time.Now().UnixNano()))
		}},
	}
	runs := []sluiceRun{
		{Name: "sluice → file:// Parquet zstd", Key: keyFileParquet, Format: "parquet", Dest: "file"},
		{Name: "sluice → file:// JSON lines zstd", Key: keyFileJSONL, Format: "jsonl", Dest: "file"},
	}
	if h.minio != nil {
		runs = append(runs, sluiceRun{Name: "sluice → MinIO (S3) Parquet zstd", Key: keyS3Parquet, Format: "parquet", Dest: "s3"})
	}
	if !o.skipTrace {
		runs = append(runs, sluiceRun{Name: "sluice → file:// Parquet zstd, tracing on (ratio 0.001)", Key: keyTraced, Format: "parquet", Dest: "file", Traced: true})
	}
	runs = append(runs, sluiceRun{Name: "sluice → file:// Parquet zstd, filter + transform stages", Key: keyStages,
		Format: "parquet", Dest: "file", Stages: benchStages},
		sluiceRun{Name: "sluice → file:// typed Parquet zstd (declared schema)", Key: keyTyped,
			Format: "parquet", Dest: "file", Schema: benchSchema},
		sluiceRun{Name: "sluice → file:// typed Parquet zstd (Avro, Schema Registry)", Key: keyAvro,
			Format: "parquet", Dest: "file", Registry: registry, Parser: "    type: avro\n    time: {field: ts}"})
	for _, r := range runs {
		r.MaxBytes, r.Idle, r.Profile = o.maxBytes, o.idle, h.profileDir()
		rows = append(rows, compareRow{name: r.Name, measure: func(ctx context.Context, round int) (Result, error) {
			if o.count > 1 {
				// Each round's profiles, not only the last one's.
				r.ProfileName = fmt.Sprintf("%s.round%d", r.Key, round)
			}
			if r.Key == keyAvro {
				return h.runSluice(ctx, avroData, r)
			}
			return h.runSluice(ctx, data, r)
		}})
	}
	return rows
}

// ratios are the throughput ratios 3/2, 4/2 and 3/1, and CPU per
// record of sluice over the ceiling.
func ratios(rs []Result) []Ratio {
	by := map[string]Result{}
	for _, r := range rs {
		by[r.Key] = r
	}
	var out []Ratio
	for _, q := range []struct{ name, num, den string }{
		{"sluice file Parquet / framework ceiling (3/2)", keyFileParquet, keyCeiling},
		{"sluice file JSON lines / framework ceiling (3/2)", keyFileJSONL, keyCeiling},
		{"sluice MinIO Parquet / framework ceiling (4/2)", keyS3Parquet, keyCeiling},
		{"sluice file Parquet / kcat (3/1)", keyFileParquet, keyKcat},
		{"framework ceiling / kcat (2/1)", keyCeiling, keyKcat},
		{"traced / untraced sluice file Parquet", keyTraced, keyFileParquet},
		{"with filter + transform / without, sluice file Parquet", keyStages, keyFileParquet},
		{"typed / envelope, sluice file Parquet", keyTyped, keyFileParquet},
		{"Avro (registry) / envelope, sluice file Parquet", keyAvro, keyFileParquet},
	} {
		n, ok1 := by[q.num]
		d, ok2 := by[q.den]
		if ok1 && ok2 && d.RecordsPerS > 0 {
			out = append(out, Ratio{Name: q.name, Value: round(n.RecordsPerS/d.RecordsPerS, 3)})
		}
	}
	return out
}

// compareTargets checks the targets the comparison measures (the memory
// target is the sweep's).
func compareTargets(rs []Result, otlpRequests int64) []Target {
	var out []Target
	for _, r := range ratios(rs) {
		switch r.Name {
		case "sluice file Parquet / framework ceiling (3/2)":
			m := fmt.Sprintf("%.2f ×", r.Value)
			out = append(out, Target{Name: "sluice → file Parquet ≥ 0.9 × framework ceiling", Measured: m, Met: r.Value >= 0.9},
				Target{Name: "moonshot: sluice → file Parquet ≥ 1.0 × framework ceiling", Measured: m, Met: r.Value >= 1.0})
		case "traced / untraced sluice file Parquet":
			cost := (1 - r.Value) * 100
			out = append(out, Target{Name: "tracing at the default ratio costs ≤ 5% throughput",
				Measured: fmt.Sprintf("%.1f%% (%d OTLP exports received)", cost, otlpRequests), Met: cost <= 5})
		case "typed / envelope, sluice file Parquet":
			m := fmt.Sprintf("%.2f ×", r.Value)
			out = append(out, Target{Name: "typed Parquet ≥ 1.0 × envelope Parquet", Measured: m, Met: r.Value >= 1.0},
				Target{Name: "moonshot: typed Parquet ≥ 1.3 × envelope Parquet", Measured: m, Met: r.Value >= 1.3})
		}
	}
	return out
}
