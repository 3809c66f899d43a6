package main

import (
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"testing"
)

// measuredRun is a measured run of row key in round with the given records/s; the
// other figures are derived from the records/s so a test can tell which run
// a row's figures came from.
func measuredRun(key string, round int, recordsPerS float64) Result {
	return Result{
		Name: "row " + key, Key: key, Round: round, Records: 1000,
		RecordsPerS: recordsPerS, WallSeconds: 1000 / recordsPerS,
		CPUPerMillio: recordsPerS / 100, PeakRSSMiB: recordsPerS / 10,
	}
}

// threeRounds is a repeated comparison of three rows over three rounds,
// interleaved as the harness runs them.
func threeRounds() []Result {
	return []Result{
		measuredRun(keyKcat, 1, 500), measuredRun(keyCeiling, 1, 100), measuredRun(keyFileParquet, 1, 70),
		measuredRun(keyKcat, 2, 400), measuredRun(keyCeiling, 2, 80), measuredRun(keyFileParquet, 2, 90),
		measuredRun(keyKcat, 3, 450), measuredRun(keyCeiling, 3, 120), measuredRun(keyFileParquet, 3, 60),
	}
}

func TestAggregateTakesTheMedianRunOfEachRow(t *testing.T) {
	runs := threeRounds()
	got := aggregate(runs)
	want := []struct {
		key      string
		round    int
		median   float64
		min, max float64
	}{
		{keyKcat, 3, 450, 400, 500},
		{keyCeiling, 1, 100, 80, 120},
		{keyFileParquet, 1, 70, 60, 90},
	}
	if len(got) != len(want) {
		t.Fatalf("aggregate gave %d rows, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		r := got[i]
		if r.Key != w.key || r.Round != w.round || r.RecordsPerS != w.median {
			t.Errorf("row %d: key %q round %d %.0f rec/s, want %q round %d %.0f rec/s", i, r.Key, r.Round, r.RecordsPerS, w.key, w.round, w.median)
		}
		// Every figure comes from the median run.
		if want := measuredRun(w.key, w.round, w.median); r.WallSeconds != want.WallSeconds || r.CPUPerMillio != want.CPUPerMillio || r.PeakRSSMiB != want.PeakRSSMiB {
			t.Errorf("row %q: wall %v CPU %v RSS %v, want the median run's %v %v %v", r.Key,
				r.WallSeconds, r.CPUPerMillio, r.PeakRSSMiB, want.WallSeconds, want.CPUPerMillio, want.PeakRSSMiB)
		}
		if s := r.Spread; s == nil || s.Runs != 3 || s.MinRecordsPerS != w.min || s.MaxRecordsPerS != w.max {
			t.Errorf("row %q: spread %+v, want 3 runs %.0f–%.0f", r.Key, s, w.min, w.max)
		}
	}
	for _, r := range runs {
		if r.Spread != nil {
			t.Fatalf("aggregate changed its input: run %q round %d has a spread", r.Key, r.Round)
		}
	}
}

func TestAggregateEvenCountTakesTheSlowerMiddleRun(t *testing.T) {
	got := aggregate([]Result{measuredRun(keyKcat, 1, 300), measuredRun(keyKcat, 2, 100), measuredRun(keyKcat, 3, 400), measuredRun(keyKcat, 4, 200)})
	if len(got) != 1 {
		t.Fatalf("aggregate gave %d rows, want 1", len(got))
	}
	if r := got[0]; r.RecordsPerS != 200 || r.Round != 4 || r.Spread.MinRecordsPerS != 100 || r.Spread.MaxRecordsPerS != 400 || r.Spread.Runs != 4 {
		t.Errorf("got %.0f rec/s from round %d, spread %+v; want 200 from round 4, 4 runs 100–400", r.RecordsPerS, r.Round, r.Spread)
	}
}

func TestAggregateSingleRun(t *testing.T) {
	got := aggregate([]Result{measuredRun(keyKcat, 1, 300)})
	if len(got) != 1 || got[0].RecordsPerS != 300 || got[0].Spread == nil || got[0].Spread.MinRecordsPerS != 300 || got[0].Spread.MaxRecordsPerS != 300 {
		t.Errorf("aggregate of one run = %+v, want it with a spread 300–300", got)
	}
	if got := aggregate(nil); len(got) != 0 {
		t.Errorf("aggregate(nil) = %+v, want no rows", got)
	}
}

func TestRatiosAndTargetsUseTheMedians(t *testing.T) {
	rows := aggregate(threeRounds())
	want := map[string]float64{
		"sluice file Parquet / framework ceiling (3/2)": 0.7,   // 70 / 100
		"sluice file Parquet / kcat (3/1)":              0.156, // 70 / 450
		"framework ceiling / kcat (2/1)":                0.222, // 100 / 450
	}
	got := ratios(rows)
	if len(got) != len(want) {
		t.Fatalf("ratios = %+v, want %d of them", got, len(want))
	}
	for _, r := range got {
		if w, ok := want[r.Name]; !ok || r.Value != w {
			t.Errorf("ratio %q = %v, want %v", r.Name, r.Value, w)
		}
	}
	targets := compareTargets(rows, 0)
	if len(targets) != 2 || targets[0].Met || targets[1].Met || targets[0].Measured != "0.70 ×" {
		t.Errorf("targets = %+v, want the 0.9 × and 1.0 × ceiling targets NOT MET at 0.70 ×", targets)
	}
}

func TestTableOfASingleRunHasNoSpread(t *testing.T) {
	rep := Report{Kind: "compare", Results: []Result{measuredRun(keyKcat, 0, 500)}}
	md := markdown(rep)
	if !strings.Contains(md, "| "+strings.Join(columns, " | ")+" |\n") {
		t.Errorf("markdown of a single run lacks the plain header:\n%s", md)
	}
	if strings.Contains(md, spreadColumn) || strings.Contains(md, "median") {
		t.Errorf("markdown of a single run mentions a spread or median:\n%s", md)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"rounds"`, `"runs"`, `"spread"`, `"round"`} {
		if strings.Contains(string(b), field) {
			t.Errorf("results.json of a single run has %s: %s", field, b)
		}
	}
}

func TestTableOfRoundsShowsTheSpread(t *testing.T) {
	runs := threeRounds()
	rep := Report{Kind: "compare", Rounds: 3, Runs: runs, Results: aggregate(runs)}
	md := markdown(rep)
	for _, want := range []string{
		"| run | wall s | records/s | " + spreadColumn + " | MB/s |",
		"| row kcat | 2.22 | 450 | 400–500 | ",
		"| row ceiling | 10.00 | 100 | 80–120 | ",
		"median run by records/s of 3 interleaved rounds",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	var sb strings.Builder
	printTable(&sb, rep)
	if !regexp.MustCompile(`row kcat +2\.22 +450 +400–500 +`).MatchString(sb.String()) {
		t.Errorf("printed table lacks the spread beside the median:\n%s", sb.String())
	}
	var back Report
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Runs) != len(runs) || back.Runs[4].Round != 2 || back.Results[0].Spread == nil {
		t.Errorf("results.json does not keep every run with its round and the rows' spread: %s", b)
	}
}

func TestParseFlagsCount(t *testing.T) {
	o, err := parseFlags(nil, io.Discard)
	if err != nil || o.count != 1 {
		t.Fatalf("default: count %d, err %v; want 1, nil", o.count, err)
	}
	if o, err := parseFlags([]string{"-count", "3"}, io.Discard); err != nil || o.count != 3 {
		t.Errorf("-count 3: count %d, err %v", o.count, err)
	}
	for _, args := range [][]string{{"-count", "0"}, {"-sweep", "-count", "2"}} {
		if _, err := parseFlags(args, io.Discard); err == nil || !strings.Contains(err.Error(), "-count") {
			t.Errorf("%q: err %v, want one about -count", args, err)
		}
	}
	if _, err := parseFlags([]string{"-sweep"}, io.Discard); err != nil {
		t.Errorf("-sweep: %v", err)
	}
}
