package jaeger

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// The api_v3 HTTP API answers {"result": TracesData} where TracesData is
// OTLP/JSON as pdata's ptrace.JSONMarshaler writes it: lowerCamelCase
// fields, hex trace and span ids, enums as numbers, 64-bit integers as
// strings, zero values left out. These types decode the part Span shows.

type jsonResponse struct {
	Result jsonTracesData `json:"result"`
}

type jsonTracesData struct {
	ResourceSpans []struct {
		Resource struct {
			Attributes []jsonKeyValue `json:"attributes"`
		} `json:"resource"`
		ScopeSpans []struct {
			Scope struct {
				Name string `json:"name"`
			} `json:"scope"`
			Spans []jsonSpan `json:"spans"`
		} `json:"scopeSpans"`
	} `json:"resourceSpans"`
}

type jsonSpan struct {
	TraceID           string         `json:"traceId"`
	SpanID            string         `json:"spanId"`
	ParentSpanID      string         `json:"parentSpanId"`
	Name              string         `json:"name"`
	Kind              int            `json:"kind"`
	StartTimeUnixNano jsonUint64     `json:"startTimeUnixNano"`
	EndTimeUnixNano   jsonUint64     `json:"endTimeUnixNano"`
	Attributes        []jsonKeyValue `json:"attributes"`
	Events            []struct {
		TimeUnixNano jsonUint64     `json:"timeUnixNano"`
		Name         string         `json:"name"`
		Attributes   []jsonKeyValue `json:"attributes"`
	} `json:"events"`
	Links []struct {
		TraceID    string         `json:"traceId"`
		SpanID     string         `json:"spanId"`
		Attributes []jsonKeyValue `json:"attributes"`
	} `json:"links"`
	Status struct {
		Message string `json:"message"`
		Code    int    `json:"code"`
	} `json:"status"`
}

type jsonKeyValue struct {
	Key   string       `json:"key"`
	Value jsonAnyValue `json:"value"`
}

type jsonAnyValue struct {
	StringValue *string    `json:"stringValue"`
	BoolValue   *bool      `json:"boolValue"`
	IntValue    *jsonInt64 `json:"intValue"`
	DoubleValue *float64   `json:"doubleValue"`
	BytesValue  *string    `json:"bytesValue"`
	ArrayValue  *struct {
		Values []jsonAnyValue `json:"values"`
	} `json:"arrayValue"`
	KvlistValue *struct {
		Values []jsonKeyValue `json:"values"`
	} `json:"kvlistValue"`
}

// jsonUint64 and jsonInt64 accept a JSON string or number, as OTLP/JSON
// readers must.
type (
	jsonUint64 uint64
	jsonInt64  int64
)

func (u *jsonUint64) UnmarshalJSON(b []byte) error {
	v, err := strconv.ParseUint(unquote(b), 10, 64)
	*u = jsonUint64(v)
	return err
}

func (i *jsonInt64) UnmarshalJSON(b []byte) error {
	v, err := strconv.ParseInt(unquote(b), 10, 64)
	*i = jsonInt64(v)
	return err
}

func unquote(b []byte) string {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		return string(b[1 : len(b)-1])
	}
	return string(b)
}

// spans converts the decoded response into Spans.
func (td *jsonTracesData) spans() ([]Span, error) {
	var out []Span
	for _, rs := range td.ResourceSpans {
		resource, err := attributes(rs.Resource.Attributes)
		if err != nil {
			return nil, err
		}
		service, _ := resource["service.name"].(string)
		for _, ss := range rs.ScopeSpans {
			for _, js := range ss.Spans {
				s, err := js.span()
				if err != nil {
					return nil, fmt.Errorf("decoding span %q: %w", js.Name, err)
				}
				s.Service, s.Scope, s.Resource = service, ss.Scope.Name, resource
				out = append(out, s)
			}
		}
	}
	return out, nil
}

func (js *jsonSpan) span() (Span, error) {
	s := Span{
		Name:          js.Name,
		Kind:          trace.SpanKind(js.Kind),
		Start:         time.Unix(0, int64(js.StartTimeUnixNano)), //nolint:gosec // nanoseconds since 1970 fit
		End:           time.Unix(0, int64(js.EndTimeUnixNano)),   //nolint:gosec // nanoseconds since 1970 fit
		StatusMessage: js.Status.Message,
	}
	switch js.Status.Code { // OTLP: 0 unset, 1 ok, 2 error
	case 1:
		s.Status = codes.Ok
	case 2:
		s.Status = codes.Error
	}
	var err error
	if s.TraceID, err = trace.TraceIDFromHex(js.TraceID); err != nil {
		return Span{}, fmt.Errorf("parsing trace id %q: %w", js.TraceID, err)
	}
	if s.SpanID, err = trace.SpanIDFromHex(js.SpanID); err != nil {
		return Span{}, fmt.Errorf("parsing span id %q: %w", js.SpanID, err)
	}
	if js.ParentSpanID != "" {
		if s.ParentSpanID, err = trace.SpanIDFromHex(js.ParentSpanID); err != nil {
			return Span{}, fmt.Errorf("parsing parent span id %q: %w", js.ParentSpanID, err)
		}
	}
	if s.Attributes, err = attributes(js.Attributes); err != nil {
		return Span{}, err
	}
	for _, jl := range js.Links {
		var l Link
		if l.TraceID, err = trace.TraceIDFromHex(jl.TraceID); err != nil {
			return Span{}, fmt.Errorf("parsing link trace id %q: %w", jl.TraceID, err)
		}
		if l.SpanID, err = trace.SpanIDFromHex(jl.SpanID); err != nil {
			return Span{}, fmt.Errorf("parsing link span id %q: %w", jl.SpanID, err)
		}
		if l.Attributes, err = attributes(jl.Attributes); err != nil {
			return Span{}, err
		}
		s.Links = append(s.Links, l)
	}
	for _, je := range js.Events {
		attrs, err := attributes(je.Attributes)
		if err != nil {
			return Span{}, err
		}
		s.Events = append(s.Events, Event{
			Name:       je.Name,
			Time:       time.Unix(0, int64(je.TimeUnixNano)), //nolint:gosec // nanoseconds since 1970 fit
			Attributes: attrs,
		})
	}
	return s, nil
}

func attributes(kvs []jsonKeyValue) (Attributes, error) {
	attrs := make(Attributes, len(kvs))
	for _, kv := range kvs {
		v, err := kv.Value.value()
		if err != nil {
			return nil, fmt.Errorf("decoding attribute %q: %w", kv.Key, err)
		}
		attrs[kv.Key] = v
	}
	return attrs, nil
}

func (v *jsonAnyValue) value() (any, error) {
	switch {
	case v.StringValue != nil:
		return *v.StringValue, nil
	case v.BoolValue != nil:
		return *v.BoolValue, nil
	case v.IntValue != nil:
		return int64(*v.IntValue), nil
	case v.DoubleValue != nil:
		return *v.DoubleValue, nil
	case v.BytesValue != nil:
		return base64.StdEncoding.DecodeString(*v.BytesValue)
	case v.ArrayValue != nil:
		vals := make([]any, 0, len(v.ArrayValue.Values))
		for _, e := range v.ArrayValue.Values {
			x, err := e.value()
			if err != nil {
				return nil, err
			}
			vals = append(vals, x)
		}
		return vals, nil
	case v.KvlistValue != nil:
		m, err := attributes(v.KvlistValue.Values)
		return map[string]any(m), err
	}
	return nil, nil // an empty value
}

var _, _ json.Unmarshaler = (*jsonUint64)(nil), (*jsonInt64)(nil)
