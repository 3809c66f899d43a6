package main

import (
	"cmp"
	"slices"
)

// Spread is how a repeated row's throughput varied over its runs.
type Spread struct {
	// Runs is the number of runs of the row.
	Runs int `json:"runs"`
	// MinRecordsPerS and MaxRecordsPerS are the records/s of the slowest
	// and the fastest run.
	MinRecordsPerS float64 `json:"min_records_per_second"`
	MaxRecordsPerS float64 `json:"max_records_per_second"`
}

// aggregate folds the runs of a repeated comparison into one Result per row
// (per Key, in the order the keys first appear): the row's median run by
// records/s, with the Spread of all its runs. The median run supplies every
// figure of the row (wall s, CPU, peak RSS, files, S3 requests), so a row
// is one real measurement, never a mix of runs; with an even number of runs
// it is the slower of the two middle ones.
func aggregate(runs []Result) []Result {
	var keys []string
	byKey := map[string][]Result{}
	for _, r := range runs {
		if _, ok := byKey[r.Key]; !ok {
			keys = append(keys, r.Key)
		}
		byKey[r.Key] = append(byKey[r.Key], r)
	}
	out := make([]Result, 0, len(keys))
	for _, k := range keys {
		out = append(out, medianRun(byKey[k]))
	}
	return out
}

// medianRun returns the median of rs (not empty) by records/s (the lower
// median for an even count), with its Spread set.
func medianRun(rs []Result) Result {
	sorted := slices.Clone(rs)
	slices.SortStableFunc(sorted, func(a, b Result) int { return cmp.Compare(a.RecordsPerS, b.RecordsPerS) })
	m := sorted[(len(sorted)-1)/2]
	m.Spread = &Spread{
		Runs:           len(sorted),
		MinRecordsPerS: sorted[0].RecordsPerS,
		MaxRecordsPerS: sorted[len(sorted)-1].RecordsPerS,
	}
	return m
}
