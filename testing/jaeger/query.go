package jaeger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// ErrNotFound is returned (wrapped) by Trace when Jaeger holds no span of
// the trace.
var ErrNotFound = errors.New("trace not found")

const (
	// WaitTimeout caps every wait of WaitTrace and WaitTraces; a context
	// with an earlier deadline ends the wait sooner.
	WaitTimeout = 30 * time.Second
	// pollInterval is how often the wait helpers ask Jaeger again.
	pollInterval = 100 * time.Millisecond
	// maxResponse caps a query response read into memory.
	maxResponse = 64 << 20
	// defaultLimit is Query.Limit's default.
	defaultLimit = 100
)

// Query selects traces for Traces. Service is required.
type Query struct {
	// Service is the service.name of the spans to look for.
	Service string
	// Operation, if set, is the span name to look for.
	Operation string
	// Start and End bound the spans' start times; zero values mean an hour
	// ago and a minute from now.
	Start, End time.Time
	// Limit caps the number of traces; zero means 100.
	Limit int
}

// Trace fetches one trace by id from Jaeger's api_v3 HTTP API
// (GET /api/v3/traces/{id}). It returns ErrNotFound while Jaeger has no span
// of it; spans arrive asynchronously, so tests usually want WaitTrace.
func (j *Jaeger) Trace(ctx context.Context, id trace.TraceID) (*Trace, error) {
	traces, err := j.get(ctx, "/api/v3/traces/"+id.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("getting trace %s: %w", id, err)
	}
	for _, tr := range traces {
		if tr.ID == id {
			return tr, nil
		}
	}
	return nil, fmt.Errorf("getting trace %s: %w", id, ErrNotFound)
}

// Traces finds the traces that have a span of q.Service (and q.Operation),
// through GET /api/v3/traces. No match is an empty result, not an error.
func (j *Jaeger) Traces(ctx context.Context, q Query) ([]*Trace, error) {
	if q.Service == "" {
		return nil, errors.New("finding traces: no service given")
	}
	now := time.Now()
	if q.Start.IsZero() {
		q.Start = now.Add(-time.Hour)
	}
	if q.End.IsZero() {
		q.End = now.Add(time.Minute)
	}
	if q.Limit == 0 {
		q.Limit = defaultLimit
	}
	params := url.Values{
		"query.service_name":   {q.Service},
		"query.start_time_min": {q.Start.UTC().Format(time.RFC3339Nano)},
		"query.start_time_max": {q.End.UTC().Format(time.RFC3339Nano)},
		"query.num_traces":     {strconv.Itoa(q.Limit)},
	}
	if q.Operation != "" {
		params.Set("query.operation_name", q.Operation)
	}
	traces, err := j.get(ctx, "/api/v3/traces", params)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("finding traces of %q: %w", q.Service, err)
	}
	return traces, nil
}

// Services lists the service names Jaeger has seen (GET /api/v3/services).
func (j *Jaeger) Services(ctx context.Context) ([]string, error) {
	body, err := j.fetch(ctx, "/api/v3/services", nil)
	if err != nil {
		return nil, fmt.Errorf("listing services: %w", err)
	}
	var resp struct {
		Services []string `json:"services"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("decoding services: %w", err)
	}
	return resp.Services, nil
}

// WaitTrace polls Trace until done reports true for the trace (nil done: as
// soon as it has a span), the context ends, or WaitTimeout passes. The error
// then says what was seen last.
func (j *Jaeger) WaitTrace(ctx context.Context, id trace.TraceID, done func(*Trace) bool) (*Trace, error) {
	var last *Trace
	err := poll(ctx, func(ctx context.Context) (bool, error) {
		tr, err := j.Trace(ctx, id)
		if err != nil {
			return false, err
		}
		last = tr
		return done == nil || done(tr), nil
	})
	if err != nil {
		if last != nil {
			err = fmt.Errorf("%w (last seen: %d spans)", err, len(last.Spans))
		}
		return last, fmt.Errorf("waiting for trace %s: %w", id, err)
	}
	return last, nil
}

// WaitTraces polls Traces until done reports true for the result, the
// context ends, or WaitTimeout passes.
func (j *Jaeger) WaitTraces(ctx context.Context, q Query, done func([]*Trace) bool) ([]*Trace, error) {
	var last []*Trace
	err := poll(ctx, func(ctx context.Context) (bool, error) {
		traces, err := j.Traces(ctx, q)
		if err != nil {
			return false, err
		}
		last = traces
		return done(traces), nil
	})
	if err != nil {
		return last, fmt.Errorf("waiting for traces of %q: %w (last seen: %d traces)", q.Service, err, len(last))
	}
	return last, nil
}

// poll calls try every pollInterval until it reports done, or ctx ends or
// WaitTimeout passes; then it returns the context's error joined with the
// last error of an attempt the context did not cut short.
func poll(ctx context.Context, try func(context.Context) (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, WaitTimeout)
	defer cancel()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var last error
	for {
		done, err := try(ctx)
		if done {
			return nil
		}
		if ctx.Err() == nil {
			last = err
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), last)
		case <-tick.C:
		}
	}
}

// get fetches path and decodes an api_v3 traces response, grouping the
// spans by trace id in the order they first appear.
func (j *Jaeger) get(ctx context.Context, path string, params url.Values) ([]*Trace, error) {
	body, err := j.fetch(ctx, path, params)
	if err != nil {
		return nil, err
	}
	var resp jsonResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("decoding the response: %w", err)
	}
	spans, err := resp.Result.spans()
	if err != nil {
		return nil, err
	}
	var traces []*Trace
	byID := make(map[trace.TraceID]*Trace)
	for _, s := range spans {
		tr := byID[s.TraceID]
		if tr == nil {
			tr = &Trace{ID: s.TraceID}
			byID[s.TraceID] = tr
			traces = append(traces, tr)
		}
		tr.Spans = append(tr.Spans, s)
	}
	return traces, nil
}

// fetch GETs path from the query service; a 404 is ErrNotFound.
func (j *Jaeger) fetch(ctx context.Context, path string, params url.Values) ([]byte, error) {
	u := j.QueryURL() + path
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("building the request: %w", err)
	}
	resp, err := j.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, fmt.Errorf("reading the response: %w", err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return body, nil
	case http.StatusNotFound:
		return nil, ErrNotFound
	default:
		return nil, fmt.Errorf("GET %s: %s: %s", path, resp.Status, body)
	}
}
