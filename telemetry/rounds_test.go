package telemetry

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sluicehq/sluice/model"
)

func recorder() (*tracetest.SpanRecorder, *Providers) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	return rec, (&Providers{TracerProvider: tp}).Complete()
}

func attr(s sdktrace.ReadOnlySpan, key attribute.Key) attribute.Value {
	for _, kv := range s.Attributes() {
		if kv.Key == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

func byName(spans []sdktrace.ReadOnlySpan, name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// TestRoundTrace follows a round from seal through upload and commit: one
// trace, carried in Watermill metadata, linked to its traced records, and
// an archived span in each record's trace naming its object.
func TestRoundTrace(t *testing.T) {
	rec, p := recorder()
	// Two traced records, as the record tracer would have sampled them.
	tr := p.TracerProvider.Tracer("test")
	_, r1 := tr.Start(t.Context(), "record 1")
	_, r2 := tr.Start(t.Context(), "record 2")
	r1.End()
	r2.End()
	round := &model.Round{Topic: "events", Partition: 3, Start: 100, End: 199, Records: 100, Trigger: "size",
		Files: []model.RoundFile{{Key: "events/dt=2026-11-22/a.parquet"}, {Key: "events/dt=2026-11-23/b.parquet"}},
		Links: []model.RecordLink{
			model.NewRecordLink(r1.SpanContext(), 120, "events/dt=2026-11-22/a.parquet"),
			model.NewRecordLink(r2.SpanContext(), 150, "events/dt=2026-11-23/b.parquet"),
		},
		LinksDropped: 7,
	}
	rt := NewRoundTracer(p, "s3://archive/kafka/")

	msg := message.NewMessage("1", nil)
	msg.SetContext(model.WithRound(t.Context(), round))
	rt.Seal(t.Context(), round, msg).End()
	require.NotEmpty(t, msg.Metadata.Get("traceparent"), "the round carries its trace in metadata")

	var uploaded *message.Message
	upload := rt.Middleware(SpanUpload)(func(m *message.Message) ([]*message.Message, error) {
		_, put := rt.StartPut(m.Context(), round.Files[0].Key)
		put.End()
		uploaded = message.NewMessage("2", nil)
		uploaded.SetContext(m.Context())
		return []*message.Message{uploaded}, nil
	})
	_, err := upload(msg)
	require.NoError(t, err)
	commit := rt.Middleware(SpanCommit)(func(*message.Message) ([]*message.Message, error) { return nil, nil })
	_, err = commit(uploaded)
	require.NoError(t, err)

	spans := rec.Ended()
	seal, up, put, com := byName(spans, SpanSeal), byName(spans, SpanUpload), byName(spans, SpanPut), byName(spans, SpanCommit)
	require.Len(t, seal, 1)
	require.Len(t, up, 1)
	require.Len(t, put, 1)
	require.Len(t, com, 1)
	root := seal[0].SpanContext()
	assert.False(t, seal[0].Parent().IsValid(), "the seal span starts the round's trace")
	assert.Equal(t, root.SpanID(), up[0].Parent().SpanID(), "upload is the seal's child")
	assert.Equal(t, up[0].SpanContext().SpanID(), put[0].Parent().SpanID(), "put is the upload's child")
	assert.Equal(t, up[0].SpanContext().SpanID(), com[0].Parent().SpanID(), "commit follows upload")
	for _, s := range []sdktrace.ReadOnlySpan{seal[0], up[0]} {
		require.Len(t, s.Links(), 2, s.Name())
		assert.Equal(t, r1.SpanContext().SpanID(), s.Links()[0].SpanContext.SpanID())
		assert.Equal(t, int64(7), attr(s, AttrLinksDropped).AsInt64())
	}
	assert.Equal(t, "archive", attr(put[0], "aws.s3.bucket").AsString())
	assert.Equal(t, "kafka/events/dt=2026-11-22/a.parquet", attr(put[0], "aws.s3.key").AsString())
	assert.Equal(t, int64(200), attr(com[0], AttrCommitNext).AsInt64())

	arch := byName(spans, SpanArchived)
	require.Len(t, arch, 2)
	for i, r := range []trace.Span{r1, r2} {
		a := arch[i]
		assert.Equal(t, r.SpanContext().TraceID(), a.SpanContext().TraceID(), "in the record's trace")
		assert.Equal(t, r.SpanContext().SpanID(), a.Parent().SpanID())
		require.Len(t, a.Links(), 1)
		assert.Equal(t, com[0].SpanContext().SpanID(), a.Links()[0].SpanContext.SpanID(), "links to the commit")
		assert.Equal(t, "kafka/"+round.Links[i].Key, attr(a, "aws.s3.key").AsString())
		assert.Equal(t, round.Links[i].Offset, attr(a, "messaging.kafka.offset").AsInt64())
	}
}

// TestRoundTraceFailure records a failed handler and adds no archived span.
func TestRoundTraceFailure(t *testing.T) {
	rec, p := recorder()
	_, r1 := p.TracerProvider.Tracer("test").Start(t.Context(), "record")
	r1.End()
	payload, err := json.Marshal(model.Round{Topic: "t", Links: []model.RecordLink{
		model.NewRecordLink(r1.SpanContext(), 1, "k")}})
	require.NoError(t, err)
	commit := NewRoundTracer(p, "file:///data").Middleware(SpanCommit)(
		func(*message.Message) ([]*message.Message, error) { return nil, errors.New("412") })
	_, err = commit(message.NewMessage("1", payload))
	require.Error(t, err)
	spans := rec.Ended()
	require.Len(t, byName(spans, SpanCommit), 1)
	assert.Equal(t, codes.Error, byName(spans, SpanCommit)[0].Status().Code)
	assert.Empty(t, byName(spans, SpanArchived), "not archived")
}

func TestObjectAttributes(t *testing.T) {
	_, p := recorder()
	assert.Equal(t, []attribute.KeyValue{AttrFileKey.String("a/b.parquet"), AttrObjectURL.String("file:///data/a/b.parquet")},
		NewRoundTracer(p, "file:///data").ObjectAttributes("a/b.parquet"))
	got := NewRoundTracer(p, "s3://bkt").ObjectAttributes("a/b.parquet")
	assert.Contains(t, got, attribute.String("aws.s3.bucket", "bkt"))
	assert.Contains(t, got, attribute.String("aws.s3.key", "a/b.parquet"))
}
