package main

import "time"

// Result is one measured row.
type Result struct {
	// Name says what ran ("sluice → file:// Parquet zstd").
	Name string `json:"name"`
	// Key identifies the row for ratios ("kcat", "ceiling", "file-parquet").
	Key     string `json:"key"`
	Records int64  `json:"records"`
	// Bytes is the payload (keys and values) of the records.
	Bytes        int64   `json:"bytes"`
	WallSeconds  float64 `json:"wall_seconds"`
	RecordsPerS  float64 `json:"records_per_second"`
	MBPerS       float64 `json:"mb_per_second"`
	CPUSeconds   float64 `json:"cpu_seconds"`
	CPUPerMillio float64 `json:"cpu_seconds_per_million_records"`
	PeakRSSMiB   float64 `json:"peak_rss_mib"`
	// S3Requests counts requests to MinIO by method; nil where there is no
	// S3 endpoint.
	S3Requests map[string]int64 `json:"s3_requests,omitempty"`
	// S3RequestsPerGB is all S3 requests per GB (10^9 bytes) of payload; 0
	// where not applicable.
	S3RequestsPerGB float64 `json:"s3_requests_per_gb,omitempty"`
	// Files and OutputBytes describe what sluice wrote.
	Files       int64 `json:"files,omitempty"`
	OutputBytes int64 `json:"output_bytes,omitempty"`
	// Params are the sweep point's parameters.
	Params map[string]string `json:"params,omitempty"`
	Note   string            `json:"note,omitempty"`
	// Round is the round (from 1) of a repeated comparison the run belongs
	// to; in Report.Results, the round of the median run. 0 for a single
	// run.
	Round int `json:"round,omitempty"`
	// Spread is set on the rows of a repeated comparison: the row holds the
	// median run, Spread the range of all its runs.
	Spread *Spread `json:"spread,omitempty"`
}

// newResult fills the derived figures from the measured ones.
func newResult(name, key string, data loaded, u usage) Result {
	wall := u.Wall.Seconds()
	r := Result{
		Name:        name,
		Key:         key,
		Records:     data.Records,
		Bytes:       data.Bytes,
		WallSeconds: round(wall, 3),
		CPUSeconds:  round(u.CPU.Seconds(), 3),
		PeakRSSMiB:  round(float64(u.MaxRSSKiB)/1024, 1),
	}
	if wall > 0 {
		r.RecordsPerS = round(float64(data.Records)/wall, 0)
		r.MBPerS = round(float64(data.Bytes)/1e6/wall, 2)
	}
	r.CPUPerMillio = round(u.CPU.Seconds()/(float64(data.Records)/1e6), 2)
	return r
}

// setS3 records S3 request counts.
func (r *Result) setS3(counts map[string]int64) {
	r.S3Requests = counts
	var n int64
	for _, c := range counts {
		n += c
	}
	if r.Bytes > 0 {
		r.S3RequestsPerGB = round(float64(n)/(float64(r.Bytes)/1e9), 1)
	}
}

func round(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}

// Report is what a run writes to results.json.
type Report struct {
	Kind    string            `json:"kind"` // "compare" or "sweep"
	Started time.Time         `json:"started"`
	Machine Machine           `json:"machine"`
	Options map[string]string `json:"options"`
	// Rounds is the number of rounds of a repeated comparison (-count), 0
	// for a single run.
	Rounds int `json:"rounds,omitempty"`
	// Results are the rows: with Rounds, each row's median run.
	Results []Result `json:"results"`
	// Runs are, with Rounds, every individual run in the order they ran.
	Runs []Result `json:"runs,omitempty"`
	// Ratios and Targets are of Results.
	Ratios  []Ratio  `json:"ratios,omitempty"`
	Targets []Target `json:"targets,omitempty"`
}

// Ratio is the throughput of one row over another's.
type Ratio struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// Target is one of the performance targets and whether it was met.
type Target struct {
	Name     string `json:"name"`
	Measured string `json:"measured"`
	Met      bool   `json:"met"`
}
