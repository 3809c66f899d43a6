package telemetry

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sluicehq/sluice/stages"
)

func TestRoundSpans(t *testing.T) {
	round, err := json.Marshal(stages.Round{Topic: "events", Partition: 3, Start: 100, End: 199,
		Records: 100, Trigger: "size", Files: []stages.RoundFile{{Key: "a"}, {Key: "b"}}})
	require.NoError(t, err)
	tests := []struct {
		name    string
		payload []byte
		err     error
		attrs   int
	}{
		{name: "round", payload: round, attrs: 8},
		{name: "failed round", payload: round, err: errors.New("s3 down"), attrs: 8},
		{name: "not a round", payload: []byte("{"), attrs: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
			var seen trace.SpanContext
			h := RoundSpans(SpanUpload, tp)(func(msg *message.Message) ([]*message.Message, error) {
				seen = trace.SpanContextFromContext(msg.Context())
				return nil, tt.err
			})
			_, err := h(message.NewMessage("1", tt.payload))
			require.Equal(t, tt.err, err)

			spans := rec.Ended()
			require.Len(t, spans, 1)
			s := spans[0]
			assert.Equal(t, SpanUpload, s.Name())
			assert.Equal(t, s.SpanContext().SpanID(), seen.SpanID(), "the handler runs inside the span")
			assert.Len(t, s.Attributes(), tt.attrs)
			if tt.attrs > 0 {
				assert.Contains(t, s.Attributes(), AttrRoundStart.Int64(100))
				assert.Contains(t, s.Attributes(), AttrDestinationName.String("events"))
			}
			if tt.err != nil {
				assert.Equal(t, codes.Error, s.Status().Code)
			} else {
				assert.Equal(t, codes.Unset, s.Status().Code)
			}
		})
	}
}
