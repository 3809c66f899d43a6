package jaeger

import (
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Trace is the spans Jaeger holds for one trace id, in the order Jaeger
// returned them.
type Trace struct {
	// ID is the trace id.
	ID trace.TraceID
	// Spans are the trace's spans.
	Spans []Span
}

// Span is one span as Jaeger stored it, decoded from the OTLP/JSON the
// api_v3 HTTP API returns.
type Span struct {
	// TraceID and SpanID identify the span.
	TraceID trace.TraceID
	SpanID  trace.SpanID
	// ParentSpanID is the parent's span id, invalid (zero) for a root span.
	ParentSpanID trace.SpanID
	// Name is the span name (Jaeger's operation name).
	Name string
	// Kind is the span kind; OTLP and the OTel API number kinds alike.
	Kind trace.SpanKind
	// Service is the resource's service.name.
	Service string
	// Scope is the instrumentation scope's name.
	Scope string
	// Start and End are the span's start and end times.
	Start, End time.Time
	// Attributes are the span's attributes (see Attributes for the value
	// types).
	Attributes Attributes
	// Resource holds the resource's attributes.
	Resource Attributes
	// Links are the span's links.
	Links []Link
	// Events are the span's events.
	Events []Event
	// Status is the span status code (Jaeger keeps OTLP's code; this is the
	// OTel API's equivalent).
	Status codes.Code
	// StatusMessage is the status description, if any.
	StatusMessage string
}

// Link is a span link.
type Link struct {
	// TraceID and SpanID identify the linked span.
	TraceID trace.TraceID
	SpanID  trace.SpanID
	// Attributes are the link's attributes.
	Attributes Attributes
}

// Event is a span event.
type Event struct {
	// Name is the event name.
	Name string
	// Time is when the event happened.
	Time time.Time
	// Attributes are the event's attributes.
	Attributes Attributes
}

// Attributes maps attribute keys to values: string, bool, int64, float64,
// []byte, []any (an array of these) or map[string]any (a key-value list).
type Attributes map[string]any

// Root returns the trace's first span without a parent.
func (tr *Trace) Root() (Span, bool) {
	for _, s := range tr.Spans {
		if !s.ParentSpanID.IsValid() {
			return s, true
		}
	}
	return Span{}, false
}

// Named returns the trace's spans with the given name.
func (tr *Trace) Named(name string) []Span {
	var spans []Span
	for _, s := range tr.Spans {
		if s.Name == name {
			spans = append(spans, s)
		}
	}
	return spans
}

// Span returns the span with the given id.
func (tr *Trace) Span(id trace.SpanID) (Span, bool) {
	for _, s := range tr.Spans {
		if s.SpanID == id {
			return s, true
		}
	}
	return Span{}, false
}

// Children returns the spans whose parent is the span with the given id.
func (tr *Trace) Children(id trace.SpanID) []Span {
	var spans []Span
	for _, s := range tr.Spans {
		if s.ParentSpanID == id {
			spans = append(spans, s)
		}
	}
	return spans
}

// LinksTo reports whether the span has a link to the span with the given
// trace and span id.
func (s Span) LinksTo(traceID trace.TraceID, spanID trace.SpanID) bool {
	for _, l := range s.Links {
		if l.TraceID == traceID && l.SpanID == spanID {
			return true
		}
	}
	return false
}
