package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
)

// columns of the results table.
var columns = []string{"run", "wall s", "records/s", "MB/s", "CPU s / M rec", "peak RSS MiB", "S3 req / GB", "files", "out MB"}

// spreadColumn follows records/s in the table of a repeated comparison.
const spreadColumn = "records/s min–max"

// tableColumns are the columns of rep's table: with rounds, the spread of
// records/s follows them.
func tableColumns(rep Report) []string {
	if rep.Rounds == 0 {
		return columns
	}
	return slices.Insert(slices.Clone(columns), 3, spreadColumn)
}

// tableCells returns a result's row of rep's table.
func tableCells(rep Report, r Result) []string {
	c := cells(r)
	if rep.Rounds == 0 {
		return c
	}
	spread := ""
	if s := r.Spread; s != nil {
		spread = fmt.Sprintf("%.0f–%.0f", s.MinRecordsPerS, s.MaxRecordsPerS)
	}
	return slices.Insert(c, 3, spread)
}

// roundsNote explains a repeated comparison's table, "" for a single run.
func roundsNote(rep Report) string {
	if rep.Rounds == 0 {
		return ""
	}
	return fmt.Sprintf("Each row is its median run by records/s of %d interleaved rounds (the slower middle run for an even count); "+
		"min–max is the records/s of its slowest and fastest run. Ratios and targets use the medians.", rep.Rounds)
}

// cells returns a result's table row without the spread.
func cells(r Result) []string {
	s3 := "n/a"
	if r.S3Requests != nil {
		s3 = fmt.Sprintf("%.1f", r.S3RequestsPerGB)
	}
	files, outMB := "", ""
	if r.Files > 0 {
		files, outMB = fmt.Sprint(r.Files), fmt.Sprintf("%.1f", float64(r.OutputBytes)/1e6)
	}
	name := r.Name
	if len(r.Params) > 0 {
		keys := make([]string, 0, len(r.Params))
		for k := range r.Params {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var ps []string
		for _, k := range keys {
			ps = append(ps, k+"="+r.Params[k])
		}
		name += " (" + strings.Join(ps, ", ") + ")"
	}
	return []string{name, fmt.Sprintf("%.2f", r.WallSeconds), fmt.Sprintf("%.0f", r.RecordsPerS),
		fmt.Sprintf("%.1f", r.MBPerS), fmt.Sprintf("%.2f", r.CPUPerMillio), fmt.Sprintf("%.1f", r.PeakRSSMiB), s3, files, outMB}
}

// printTable writes the results as an aligned text table.
func printTable(w io.Writer, rep Report) {
	_, _ = fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	_, _ = fmt.Fprintln(tw, strings.Join(tableColumns(rep), "\t")+"\t")
	for _, r := range rep.Results {
		_, _ = fmt.Fprintln(tw, strings.Join(tableCells(rep, r), "\t")+"\t")
	}
	_ = tw.Flush()
	_, _ = fmt.Fprintln(w)
	if note := roundsNote(rep); note != "" {
		_, _ = fmt.Fprintf(w, "%s\n\n", note)
	}
	for _, r := range rep.Ratios {
		_, _ = fmt.Fprintf(w, "%-50s %6.3f\n", r.Name, r.Value)
	}
	for _, t := range rep.Targets {
		_, _ = fmt.Fprintf(w, "target: %-62s %s  %s\n", t.Name, t.Measured, metWord(t.Met))
	}
	_, _ = fmt.Fprintln(w)
}

func metWord(met bool) string {
	if met {
		return "MET"
	}
	return "NOT MET"
}

// writeReport writes results.json and results.md into dir.
func writeReport(dir string, rep Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the results: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing results.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.md"), []byte(markdown(rep)), 0o644); err != nil {
		return fmt.Errorf("writing results.md: %w", err)
	}
	return nil
}

// markdown renders the report as the tables docs/benchmarks.md holds.
func markdown(rep Report) string {
	var b strings.Builder
	m := rep.Machine
	fmt.Fprintf(&b, "## %s run, %s\n\n", rep.Kind, rep.Started.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "Machine: %s, %d cores, %s GiB RAM, Linux %s, %s, %s; load average at start %s.\n\n",
		m.CPU, m.Cores, m.MemoryGiB, m.Kernel, m.Go, m.Kcat, m.Load)
	keys := make([]string, 0, len(rep.Options))
	for k := range rep.Options {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var opts []string
	for _, k := range keys {
		opts = append(opts, k+"="+rep.Options[k])
	}
	fmt.Fprintf(&b, "Options: %s.\n\n", strings.Join(opts, ", "))
	if note := roundsNote(rep); note != "" {
		b.WriteString(note + "\n\n")
	}
	cols := tableColumns(rep)
	b.WriteString("| " + strings.Join(cols, " | ") + " |\n")
	b.WriteString("|" + strings.Repeat(" --- |", len(cols)) + "\n")
	for _, r := range rep.Results {
		b.WriteString("| " + strings.Join(tableCells(rep, r), " | ") + " |\n")
	}
	if len(rep.Ratios) > 0 {
		b.WriteString("\n| ratio (records/s) | value |\n| --- | --- |\n")
		for _, r := range rep.Ratios {
			fmt.Fprintf(&b, "| %s | %.3f |\n", r.Name, r.Value)
		}
	}
	if len(rep.Targets) > 0 {
		b.WriteString("\n| target | measured | |\n| --- | --- | --- |\n")
		for _, t := range rep.Targets {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", t.Name, t.Measured, metWord(t.Met))
		}
	}
	return b.String()
}
