package main

import (
	"io"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestParseFlagsTopics(t *testing.T) {
	o, err := parseFlags([]string{"-topics", "50, 200,500"}, io.Discard)
	if err != nil || !slices.Equal(o.topics, []int{50, 200, 500}) || o.topicParts != 2 || o.topicRounds != 2 {
		t.Fatalf("-topics 50,200,500: %+v, err %v", o, err)
	}
	for _, args := range [][]string{{"-topics", "50,x"}, {"-topics", "0"}, {"-topics", "5", "-sweep"}, {"-topics", "5", "-topic-partitions", "0"}} {
		if _, err := parseFlags(args, io.Discard); err == nil || !strings.Contains(err.Error(), "topic") {
			t.Errorf("%q: err %v, want one about -topics", args, err)
		}
	}
}

func TestGroupViewSettled(t *testing.T) {
	v := groupView{state: "Stable", members: 4, assigned: 8}
	if !v.settled(4, 8) {
		t.Error("stable, every member in, every partition held once: settled")
	}
	for name, w := range map[string]groupView{
		"rebalancing":       {state: "PreparingRebalance", members: 4, assigned: 8},
		"a member missing":  {state: "Stable", members: 3, assigned: 8},
		"a partition free":  {state: "Stable", members: 4, assigned: 7},
		"a partition twice": {state: "Stable", members: 4, assigned: 8, twice: 1},
	} {
		if w.settled(4, 8) {
			t.Errorf("%s: settled", name)
		}
	}
}

func TestReadProcSelf(t *testing.T) {
	s, err := readProc(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if s.RSSKiB <= 0 || s.Threads <= 0 {
		t.Errorf("readProc(self) = %+v, want a resident set and threads", s)
	}
}

// TestConfigTopics: the comparison's runs keep one topic and the 10s
// session; the many-topics runs name a regex, the default session and a
// client ID per process.
func TestConfigTopics(t *testing.T) {
	render := func(vals map[string]any) string {
		var b strings.Builder
		if err := config.Execute(&b, vals); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	one := render(map[string]any{"Broker": "b:9092", "Topic": "events", "Group": "g"})
	for _, want := range []string{`topics: ["events"]`, "session_timeout: 10s"} {
		if !strings.Contains(one, want) {
			t.Errorf("comparison config lacks %q:\n%s", want, one)
		}
	}
	if strings.Contains(one, "topic_regex") || strings.Contains(one, "client_id") {
		t.Errorf("comparison config names a regex or client ID:\n%s", one)
	}
	many := render(map[string]any{"Broker": "b:9092", "Regex": "many5-r1-.*", "Group": "g", "Session": "30s", "ClientID": "sluice-a"})
	for _, want := range []string{`topic_regex: "many5-r1-.*"`, "session_timeout: 30s", `client_id: "sluice-a"`} {
		if !strings.Contains(many, want) {
			t.Errorf("many-topics config lacks %q:\n%s", want, many)
		}
	}
	if strings.Contains(many, "topics: [") {
		t.Errorf("many-topics config lists topics:\n%s", many)
	}
}
