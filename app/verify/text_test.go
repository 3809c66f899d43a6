package verify

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReportOutput(t *testing.T) {
	lo, hi, next := int64(0), int64(99), int64(100)
	part := int32(3)
	tests := []struct {
		name     string
		findings []Finding
		ok       bool
		status   string
		text     []string
	}{
		{name: "clean", ok: true, status: StatusOK, text: []string{"OK: 2 objects (10 bytes), 100 records, 0 filtered and 0 dead-lettered in 1 partitions, 0 violations"}},
		{name: "warning only", ok: true, status: StatusWarning,
			findings: []Finding{{Severity: SeverityWarning, Kind: KindPendingIncomplete, Message: "m1", Topic: "t", Partition: &part}},
			text:     []string{"warning t/3: pending_incomplete: m1", "OK: "}},
		{name: "violation", status: StatusViolation,
			findings: []Finding{{Severity: SeverityViolation, Kind: KindGap, Message: "m2", Topic: "t", Partition: &part}},
			text:     []string{"violation t/3: gap: m2", "FAILED: ", "1 violations"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := &Report{Objects: 2, Bytes: 10, Partitions: []Partition{{Topic: "t", Partition: 3, Objects: 2, Records: 100,
				Min: &lo, Max: &hi, NextOffset: &next, Findings: tt.findings}}}
			rep.finish()
			assert.Equal(t, tt.ok, rep.OK)
			assert.Equal(t, tt.status, rep.Partitions[0].Status)
			var text bytes.Buffer
			require.NoError(t, rep.WriteText(&text))
			assert.Contains(t, text.String(), "NEXT_OFFSET")
			for _, want := range tt.text {
				assert.Contains(t, text.String(), want)
			}
			var js bytes.Buffer
			require.NoError(t, rep.WriteJSON(&js))
			var back Report
			require.NoError(t, json.Unmarshal(js.Bytes(), &back))
			assert.Equal(t, *rep, back)
		})
	}
}
