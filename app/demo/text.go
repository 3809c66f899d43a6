package demo

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
)

// The how-to commands the demo prints, with placeholders: {broker} is the
// broker's "host:port", {topic} the demo topic, {glob} the slash-separated
// pattern of the Parquet files. The README quotes them; Render fills them in.
const (
	// KcatProduce sends one event of your own to the demo topic.
	KcatProduce = `echo '{"id":"mine","ts":'$(date +%s000)',"user":"me","action":"hello"}' | kcat -b {broker} -t {topic} -P`
	// KcatConsume prints the last few events of each partition.
	KcatConsume = `kcat -b {broker} -t {topic} -C -o -3 -e`
	// DuckDBCount counts the archived records.
	DuckDBCount = `duckdb -c "select count(*) from read_parquet('{glob}')"`
	// DuckDBNode says how to run the same SQL without the duckdb CLI.
	DuckDBNode = `From Node.js, the @duckdb/node-api npm package runs the same SQL.`
)

// Render fills in the placeholders of one of the how-to commands.
func Render(command, broker, outDir string) string {
	return strings.NewReplacer("{broker}", broker, "{topic}", Topic, "{glob}", ParquetGlob(outDir)).Replace(command)
}

// ParquetGlob is the pattern that matches every Parquet file under outDir,
// with forward slashes as DuckDB wants them.
func ParquetGlob(outDir string) string {
	return strings.TrimSuffix(filepath.ToSlash(outDir), "/") + "/**/*.parquet"
}

// SampleEvent is an event of the kind the generator produces.
const SampleEvent = `{"id":17,"ts":1767225600000,"user":"u42","action":"click","page":"/pricing"}`

// Banner is what the demo prints once it runs: where things are and how to
// look at them.
func Banner(broker, outDir string, partitions int32, rate int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "sluice demo: archiving Kafka topic %q to Parquet files, exactly once.\n\n", Topic)
	fmt.Fprintf(&b, "  Kafka broker  %s (in-process; %d partitions; gone when the demo stops)\n", broker, partitions)
	fmt.Fprintf(&b, "  Events        %d a second, like %s\n", rate, SampleEvent)
	fmt.Fprintf(&b, "  Output        %s\n", outDir)
	fmt.Fprintf(&b, "                (%s/dt=YYYY-MM-DD/hr=HH/%s+PARTITION+OFFSET.parquet, a file per partition\n", Topic, Topic)
	fmt.Fprintf(&b, "                every %s of events, %s records or %s without any)\n\n", MaxEventSpan, humanize.Comma(MaxRecords), Idle)
	fmt.Fprintf(&b, "Produce your own events with kcat:\n  %s\n", Render(KcatProduce, broker, outDir))
	fmt.Fprintf(&b, "Read the topic:\n  %s\n\n", Render(KcatConsume, broker, outDir))
	fmt.Fprintf(&b, "Query the files with DuckDB while the demo runs:\n  %s\n  %s\n\n", Render(DuckDBCount, broker, outDir), DuckDBNode)
	b.WriteString("Press Ctrl-C to stop: sluice seals, uploads and commits what it holds, then exits.\n")
	return b.String()
}

// Progress is a snapshot of the demo's counters.
type Progress struct {
	// Elapsed is the time since the demo started.
	Elapsed time.Duration
	// Produced counts events the generator had acknowledged.
	Produced int64
	// RecordsIn counts records the pipeline buffered.
	RecordsIn int64
	// Rounds counts rounds sealed.
	Rounds int64
	// Files and Bytes count the Parquet files written and their size.
	Files, Bytes int64
	// Committed counts records durable in the output directory (and
	// committed to Kafka).
	Committed int64
}

// String renders the progress on one line, without a line end:
//
//	[00:42] produced 8,400 · in 8,400 · rounds 8 · files 8 (412 KiB) · committed 7,200
func (p Progress) String() string {
	s := int64(p.Elapsed / time.Second)
	return fmt.Sprintf("[%02d:%02d] produced %s · in %s · rounds %s · files %s (%s) · committed %s",
		s/60, s%60, humanize.Comma(p.Produced), humanize.Comma(p.RecordsIn), humanize.Comma(p.Rounds),
		humanize.Comma(p.Files), humanize.IBytes(uint64(max(p.Bytes, 0))), humanize.Comma(p.Committed))
}

// Summary is what a demo did, returned when it stops.
type Summary struct {
	// Progress holds the final counters.
	Progress
	// InTopic counts the records in the topic when the demo stopped, the
	// generator's and any produced by others (kcat).
	InTopic int64
	// Broker and Dir are where the broker listened and the output directory.
	Broker, Dir string
}

// String renders the summary printed when the demo stops. The "records
// committed" line is the count DuckDB finds in the files.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sluice demo stopped after %s.\n", s.Elapsed.Round(time.Second))
	fmt.Fprintf(&b, "  records produced   %s", humanize.Comma(s.Produced))
	if s.InTopic != s.Produced {
		fmt.Fprintf(&b, " (%s in the topic, with yours)", humanize.Comma(s.InTopic))
	}
	fmt.Fprintf(&b, "\n  records committed  %s\n", humanize.Comma(s.Committed))
	fmt.Fprintf(&b, "  files written      %s (%s) in %s\n", humanize.Comma(s.Files), humanize.IBytes(uint64(max(s.Bytes, 0))), s.Dir)
	if left := s.InTopic - s.Committed; left > 0 {
		fmt.Fprintf(&b, "  %s records were not archived yet; a real deployment reads them from Kafka on its next start.\n", humanize.Comma(left))
	}
	fmt.Fprintf(&b, "Count them with DuckDB:\n  %s\n", Render(DuckDBCount, s.Broker, s.Dir))
	return b.String()
}
