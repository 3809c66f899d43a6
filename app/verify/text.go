package verify

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}

// WriteText writes the report for people: a table of partitions, then the
// findings one a line, then a verdict line ("OK: ..." or "FAILED: ...").
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "TOPIC\tPARTITION\tOBJECTS\tRECORDS\tFILTERED\tDEAD_LETTERED\tMIN\tMAX\tNEXT_OFFSET\tDUPLICATES\tGAPS\tKAFKA_GAPS\tLOST\tHIGH_WATERMARK\tLAG\tSTATUS\t")
	for _, p := range r.Partitions {
		kafkaGaps, lost, hwm, lag := "-", "-", "-", "-"
		if b := p.Broker; b != nil {
			kafkaGaps, lost = strconv.FormatInt(p.KafkaGapOffsets, 10), strconv.FormatInt(p.LostOffsets, 10)
			hwm, lag = strconv.FormatInt(b.HighWatermark, 10), strconv.FormatInt(b.Lag, 10)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t\n", p.Topic, p.Partition, p.Objects, p.Records,
			p.Filtered, p.DeadLettered, opt(p.Min), opt(p.Max), opt(p.NextOffset), p.Duplicates, len(p.Gaps), kafkaGaps, lost, hwm, lag, p.Status)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	all := append([]Finding(nil), r.Findings...)
	for _, p := range r.Partitions {
		all = append(all, p.Findings...)
	}
	if len(all) > 0 {
		fmt.Fprintln(w)
	}
	for _, f := range all {
		lane := ""
		if f.Partition != nil {
			lane = fmt.Sprintf(" %s/%d", f.Topic, *f.Partition)
		}
		fmt.Fprintf(w, "%s%s: %s: %s\n", f.Severity, lane, f.Kind, f.Message)
	}
	broker := r.brokerSummary()
	verdict := "OK"
	if !r.OK {
		verdict = "FAILED"
	}
	_, err := fmt.Fprintf(w, "\n%s: %d objects (%d bytes), %d records, %d filtered and %d dead-lettered in %d partitions, %d violations; %s\n",
		verdict, r.Objects, r.Bytes, r.Records, r.Filtered, r.DeadLettered, len(r.Partitions), r.Violations, broker)
	if err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}

// brokerSummary says whether the broker was consulted and what it told.
func (r *Report) brokerSummary() string {
	if !r.BrokerConsulted {
		for _, f := range r.Findings {
			if f.Kind == KindBrokerUnreachable {
				return "broker unreachable: every gap is unverified"
			}
		}
		return "broker not consulted: every gap is unverified"
	}
	return fmt.Sprintf("broker consulted (%s): %d offsets Kafka has no record at, %d lost, %d unverifiable (retention), %d unverified",
		r.Isolation, r.KafkaGapOffsets, r.LostOffsets, r.RetentionOffsets, r.UnverifiedOffsets)
}

func opt(v *int64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatInt(*v, 10)
}
