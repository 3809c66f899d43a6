package faults

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Kind is the kind of a fault.
type Kind int

// The kinds of faults.
const (
	// Status5xx answers with Fault.Status (503 Slow Down by default) and an
	// S3 error body; the target never sees the request.
	Status5xx Kind = iota + 1
	// Delay waits Fault.Delay, then forwards the request.
	Delay
	// Reset reads part of the request body, then resets the connection
	// (TCP RST); the target never sees the request.
	Reset
	// ResetResponse forwards the request, lets the target handle it and
	// reads its response, then resets the connection before any of the
	// response reaches the client: the write happened, the client does not
	// know it.
	ResetResponse
	// Blackhole reads the request and never answers, until the client gives
	// up or the proxy closes.
	Blackhole
	// Truncate forwards the request, then sends the client the response's
	// status, headers and the first half of its body, and resets the
	// connection: the client sees a success whose body breaks off. A
	// response without a body of 2 bytes or more is cut before any of it,
	// as ResetResponse does.
	Truncate
	// Throttle answers as S3 does when a prefix gets more requests than it
	// takes: 503 with an S3 error body of code SlowDown and a Retry-After
	// header of Fault.RetryAfter (in whole seconds, and in milliseconds as
	// x-amz-retry-after, which the AWS SDKs read); the target never sees
	// the request. With Fault.Limit it is a burst of that many requests.
	Throttle
)

// kinds lists every Kind, in order.
var kinds = []Kind{Status5xx, Delay, Reset, ResetResponse, Blackhole, Truncate, Throttle}

// String returns the kind's name ("status5xx", "delay", ...).
func (k Kind) String() string {
	switch k {
	case Status5xx:
		return "status5xx"
	case Delay:
		return "delay"
	case Reset:
		return "reset"
	case ResetResponse:
		return "reset_response"
	case Blackhole:
		return "blackhole"
	case Truncate:
		return "truncate"
	case Throttle:
		return "throttle"
	default:
		return fmt.Sprintf("kind(%d)", int(k))
	}
}

// ParseKind returns the Kind named s, as String names it.
func ParseKind(s string) (Kind, error) {
	for _, k := range kinds {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("%w %q", ErrUnknownKind, s)
}

// ErrUnknownKind is returned for a fault kind that does not exist.
var ErrUnknownKind = errors.New("unknown fault kind")

// ErrInvalidFault is returned by Set for a fault it cannot inject.
var ErrInvalidFault = errors.New("invalid fault")

// Fault describes one fault and the requests it applies to.
type Fault struct {
	// Kind is what happens to a request the fault hits.
	Kind Kind
	// Rate is the probability, from 0 to 1, that a matching request is hit.
	Rate float64
	// Delay is how long a Delay fault waits before forwarding.
	Delay time.Duration
	// Status is the status a Status5xx fault answers with, from 500 to 599;
	// 0 means 503.
	Status int
	// RetryAfter is how long a Throttle fault tells the client to wait;
	// 0 means 1s.
	RetryAfter time.Duration
	// Limit caps how many requests the fault hits, counted from the Set
	// that made it active; 0 means no cap.
	Limit int
	// Methods limits the fault to these HTTP methods ("PUT", "GET", ...);
	// empty means every method.
	Methods []string
	// PathPrefix limits the fault to request paths starting with it
	// ("/bucket/_sluice/"); empty means every path.
	PathPrefix string
}

// validate reports every problem with f.
func (f Fault) validate() error {
	var errs []error
	if !slices.Contains(kinds, f.Kind) {
		errs = append(errs, fmt.Errorf("kind: %w %d", ErrUnknownKind, int(f.Kind)))
	}
	if !(f.Rate >= 0 && f.Rate <= 1) { // also rejects NaN
		errs = append(errs, fmt.Errorf("rate: %v is not from 0 to 1", f.Rate))
	}
	if f.Delay < 0 {
		errs = append(errs, fmt.Errorf("delay: %s is negative", f.Delay))
	}
	if f.RetryAfter < 0 {
		errs = append(errs, fmt.Errorf("retry_after: %s is negative", f.RetryAfter))
	}
	if f.Limit < 0 {
		errs = append(errs, fmt.Errorf("limit: %d is negative", f.Limit))
	}
	if f.Status != 0 && (f.Status < 500 || f.Status > 599) {
		errs = append(errs, fmt.Errorf("status: %d is not a 5xx status", f.Status))
	}
	return errors.Join(errs...)
}

// matches reports whether f applies to r.
func (f Fault) matches(r *http.Request) bool {
	if len(f.Methods) > 0 && !slices.ContainsFunc(f.Methods, func(m string) bool { return strings.EqualFold(m, r.Method) }) {
		return false
	}
	return strings.HasPrefix(r.URL.Path, f.PathPrefix)
}

// Stats counts what the proxy did.
type Stats struct {
	// Requests is the number of requests received.
	Requests int64
	// Forwarded is the number of requests sent on to the target (including
	// Delay, ResetResponse and Truncate ones).
	Forwarded int64
	// Injected counts the requests hit by each kind of fault.
	Injected map[Kind]int64
}
