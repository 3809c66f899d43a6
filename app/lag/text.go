package lag

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sluicehq/sluice/transport/kafka"
)

// WriteJSON writes the snapshot as one line of JSON.
func (s *Snapshot) WriteJSON(w io.Writer) error {
	if err := json.NewEncoder(w).Encode(s); err != nil {
		return fmt.Errorf("writing lag: %w", err)
	}
	return nil
}

// WriteText writes the snapshot for people: a heading, a table of
// partitions, a line per flagged partition and a verdict line ("OK: ..." or
// "OVER LIMIT: ...").
func (s *Snapshot) WriteText(w io.Writer) error {
	end := "high watermark"
	if s.Isolation == kafka.IsolationReadCommitted {
		end = "last stable offset"
	}
	fmt.Fprintf(w, "group %s · %s · end = %s (%s) · %s\n", s.Group, s.Store, end, s.Isolation, s.Time.Format(time.RFC3339))
	if s.Error != "" {
		fmt.Fprintf(w, "ERROR: %s\n", s.Error)
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "TOPIC\tPARTITION\tDURABLE\tKAFKA_COMMITTED\tHIGH_WATERMARK\tEND\tLAG\tLAG_TIME\tLAST_COMMIT\tFLAGS\t")
	for _, p := range s.Partitions {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\t\n", p.Topic, p.Partition, opt(p.Durable), opt(p.Committed),
			p.HighWatermark, p.End, p.LagRecords, seconds(p.LagTime()), ago(s.Time, p.LastCommit), strings.Join(p.Flags, ","))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing lag: %w", err)
	}
	var total, over int64
	var oldest time.Duration
	for _, p := range s.Partitions {
		total += p.LagRecords
		oldest = max(oldest, p.LagTime())
		if p.OverLimit {
			over++
		}
		for _, n := range notes(&p, s.Time) {
			fmt.Fprintf(w, "%s/%d: %s\n", p.Topic, p.Partition, n)
		}
	}
	verdict := "OK:"
	if !s.OK {
		verdict = fmt.Sprintf("OVER LIMIT: %d of", over)
	}
	_, err := fmt.Fprintf(w, "%s %d partitions; lag %d records, oldest unarchived record %s old\n",
		verdict, len(s.Partitions), total, seconds(oldest))
	if err != nil {
		return fmt.Errorf("writing lag: %w", err)
	}
	return nil
}

// notes explain p's pending round and flags, one line each.
func notes(p *Partition, now time.Time) []string {
	var out []string
	if r := p.Pending; r != nil {
		out = append(out, fmt.Sprintf("round [%d..%d] (%d records) pending, claimed %s", r.Start, r.End, r.Records, ago(now, &r.Since)))
	}
	for _, f := range p.Flags {
		switch f {
		case FlagRetentionLost:
			out = append(out, fmt.Sprintf("%s: %d offsets [%d..%d] were deleted by retention before they were archived",
				f, p.RetentionLost, *p.Durable, p.LogStart-1))
		case FlagKafkaAhead:
			out = append(out, fmt.Sprintf("%s: the group's committed offset %d is ahead of the bucket's %s: the group would skip records the bucket does not hold",
				f, *p.Committed, opt(p.Durable)))
		case FlagBeyondEnd:
			out = append(out, fmt.Sprintf("%s: the durable offset %d is past the high watermark %d: was the topic recreated or truncated?",
				f, *p.Durable, p.HighWatermark))
		}
	}
	return out
}

func opt(v *int64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatInt(*v, 10)
}

// seconds renders d to the second ("0s", "1m5s").
func seconds(d time.Duration) string { return d.Round(time.Second).String() }

// ago renders how long before now t was, "-" when t is nil.
func ago(now time.Time, t *time.Time) string {
	if t == nil {
		return "-"
	}
	return seconds(max(0, now.Sub(*t))) + " ago"
}
