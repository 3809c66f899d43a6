package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
)

// groupView is what the broker says of a consumer group.
type groupView struct {
	state   string
	members int
	// assigned counts the partitions of the measured topics that some
	// member holds; twice counts those held by more than one.
	assigned, twice int
	// owned counts the partitions held by members of one client ID.
	owned int
}

// settled reports whether the group is stable with members members and
// every one of parts partitions held by exactly one of them.
func (v groupView) settled(members, parts int) bool {
	return v.state == "Stable" && v.members == members && v.assigned == parts && v.twice == 0
}

// viewGroup describes group and counts its assignment of set's partitions;
// owned counts those of members with client ID clientID.
func (b *broker) viewGroup(ctx context.Context, group string, set manyTopicsSet, clientID string) (groupView, error) {
	described, err := b.adm.DescribeGroups(ctx, group)
	if err != nil {
		return groupView{}, fmt.Errorf("describing group %q: %w", group, err)
	}
	g, ok := described[group]
	if !ok {
		return groupView{}, nil
	}
	if errors.Is(g.Err, kerr.GroupIDNotFound) {
		return groupView{state: "none"}, nil // no member has joined yet
	}
	if g.Err != nil {
		return groupView{}, fmt.Errorf("describing group %q: %w", group, g.Err)
	}
	v := groupView{state: g.State, members: len(g.Members)}
	seen := map[string]map[int32]bool{}
	for _, m := range g.Members {
		a, ok := m.Assigned.AsConsumer()
		if !ok {
			continue
		}
		for _, t := range a.Topics {
			ends, ok := set.end[t.Topic]
			if !ok {
				continue
			}
			if seen[t.Topic] == nil {
				seen[t.Topic] = map[int32]bool{}
			}
			for _, p := range t.Partitions {
				if _, ok := ends[p]; !ok {
					continue
				}
				if seen[t.Topic][p] {
					v.twice++
					continue
				}
				seen[t.Topic][p] = true
				v.assigned++
				if clientID != "" && m.ClientID == clientID {
					v.owned++
				}
			}
		}
	}
	return v, nil
}

// printTopics prints the many-topics results as a Markdown table.
func printTopics(w io.Writer, rs []topicsResult) {
	cols := []string{"topics", "partitions", "round", "assigned s", "durable s", "CPU s to durable", "RSS MiB at durable",
		"peak RSS MiB", "threads", "sockets", "B joins s (owns)", "B leaves s", "stop s", "CPU s total", "B peak RSS MiB"}
	_, _ = fmt.Fprintf(w, "\n| %s |\n|%s\n", strings.Join(cols, " | "), strings.Repeat(" --- |", len(cols)))
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	for _, r := range rs {
		cells := []string{strconv.Itoa(r.Topics), strconv.Itoa(r.Topics * r.Partitions), strconv.Itoa(r.Round),
			f(r.AssignedS), f(r.DurableS), f(r.CPUAtDurableS), f(r.RSSAtDurableMiB), f(r.PeakRSSMiB),
			strconv.Itoa(r.Threads), strconv.Itoa(r.Sockets), fmt.Sprintf("%s (%d)", f(r.JoinS), r.BOwns),
			f(r.LeaveS), f(r.StopS), f(r.CPUSeconds), f(r.BPeakRSSMiB)}
		_, _ = fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	_, _ = fmt.Fprintln(w)
}
