package jaeger

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

func TestDecodeAPIv3Response(t *testing.T) {
	data, err := os.ReadFile("testdata/trace.json")
	require.NoError(t, err)
	var resp jsonResponse
	require.NoError(t, json.Unmarshal(data, &resp))
	spans, err := resp.Result.spans()
	require.NoError(t, err)
	require.Len(t, spans, 3)

	tid, _ := trace.TraceIDFromHex("0af7651916cd43dd8448eb211c80319c")
	root, up, send := spans[0], spans[1], spans[2]
	assert.Equal(t, tid, root.TraceID)
	assert.False(t, root.ParentSpanID.IsValid())
	assert.Equal(t, trace.SpanKindConsumer, root.Kind)
	assert.Equal(t, "sluice", root.Service)
	assert.Equal(t, "sluice/upload", root.Scope)
	assert.Equal(t, time.Unix(1700000000, 500000000), root.End)
	assert.Equal(t, codes.Unset, root.Status)

	assert.Equal(t, root.SpanID, up.ParentSpanID)
	assert.Equal(t, Attributes{
		"n": int64(42), "m": int64(7), "ok": true, "r": 0.25, "b": []byte("hi"),
		"arr": []any{"x", int64(1)}, "kv": map[string]any{"k": "v"}, "empty": nil,
	}, up.Attributes)
	assert.Equal(t, codes.Error, up.Status)
	assert.Equal(t, "boom", up.StatusMessage)
	require.Len(t, up.Events, 1)
	assert.Equal(t, Event{Name: "retry", Time: time.Unix(1700000000, 200000000), Attributes: Attributes{"attempt": int64(2)}}, up.Events[0])
	require.Len(t, up.Links, 1)
	assert.True(t, up.LinksTo(send.TraceID, send.SpanID))
	assert.Equal(t, Attributes{"link.kind": "record"}, up.Links[0].Attributes)

	assert.Equal(t, "producer", send.Service)
	assert.Equal(t, trace.SpanKindProducer, send.Kind)
	assert.Equal(t, codes.Ok, send.Status)
}

func TestDecodeRejectsBadIDs(t *testing.T) {
	tests := []struct{ name, span string }{
		{"trace id", `{"traceId":"xyz","spanId":"00f067aa0ba902b7"}`},
		{"span id", `{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"00"}`},
		{"parent", `{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"00f067aa0ba902b7","parentSpanId":"q"}`},
		{"link", `{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"00f067aa0ba902b7","links":[{"traceId":"1","spanId":"2"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var td jsonTracesData
			require.NoError(t, json.Unmarshal([]byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[`+tt.span+`]}]}]}`), &td))
			_, err := td.spans()
			require.Error(t, err)
		})
	}
}
