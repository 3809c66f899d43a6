package model

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/otel/trace"
)

func TestRecordLinkRoundTrip(t *testing.T) {
	ts, err := trace.ParseTraceState("vendor=abc")
	assert.NoError(t, err)
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		SpanID:     trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8},
		TraceFlags: trace.FlagsSampled,
		TraceState: ts,
	})
	l := NewRecordLink(sc, 42, "dt=2026-11-22/t+0+00000000000000000042.parquet")
	assert.Equal(t, "00-0102030405060708090a0b0c0d0e0f10-0102030405060708-01", l.TraceParent)
	assert.Equal(t, "vendor=abc", l.TraceState)
	got := l.SpanContext()
	assert.Equal(t, sc.TraceID(), got.TraceID())
	assert.Equal(t, sc.SpanID(), got.SpanID())
	assert.True(t, got.IsSampled())
	assert.True(t, got.IsRemote())
	assert.Equal(t, "vendor=abc", got.TraceState().String())

	assert.False(t, RecordLink{TraceParent: "garbage"}.SpanContext().IsValid())
}
