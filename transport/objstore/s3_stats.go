package objstore

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"strconv"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// RequestStats counts an S3 store's retried requests and failed operations,
// by operation ("PutObject"). Give one to Open in Settings.RequestStats.
// Safe for concurrent use; the zero value is ready.
type RequestStats struct {
	mu      sync.Mutex
	retries map[string]int64
	errors  map[RequestError]int64
}

// RequestError identifies a kind of failed operation.
type RequestError struct {
	// Operation is the S3 operation ("PutObject").
	Operation string
	// Code is the S3 error code ("SlowDown"), else the HTTP status
	// ("503"), else "_OTHER" (no response: a broken connection, a timeout).
	Code string
}

// Retries returns how many requests of each operation were sent again by
// the SDK's retryer (attempts after the first).
func (r *RequestStats) Retries() map[string]int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.retries)
}

// Errors returns how many operations failed after their retries, by
// operation and error. Answers a caller asked for are not failures: a
// missing object (404) and a refused condition (412, 409) are not counted,
// nor are operations cancelled by their caller.
func (r *RequestStats) Errors() map[RequestError]int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.errors)
}

// record counts one operation's outcome.
func (r *RequestStats) record(op string, retries int, err error) {
	code, counted := errorCode(err)
	if retries <= 0 && !counted {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if retries > 0 {
		if r.retries == nil {
			r.retries = map[string]int64{}
		}
		r.retries[op] += int64(retries)
	}
	if counted {
		if r.errors == nil {
			r.errors = map[RequestError]int64{}
		}
		r.errors[RequestError{Operation: op, Code: code}]++
	}
}

// errorCode names err's kind, and says whether it is a failure at all.
func errorCode(err error) (string, bool) {
	if err == nil || errors.Is(err, context.Canceled) {
		return "", false
	}
	status := 0
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	switch status {
	case http.StatusNotFound, http.StatusPreconditionFailed, http.StatusConflict:
		return "", false
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() != "" {
		switch ae.ErrorCode() {
		case "NoSuchKey", "NotFound", "PreconditionFailed", "ConditionalRequestConflict":
			return "", false
		}
		return ae.ErrorCode(), true
	}
	if status != 0 {
		return strconv.Itoa(status), true
	}
	return "_OTHER", true
}

// option installs the counting middleware just outside the SDK's retry
// loop, where it sees each operation's attempts and final error.
func (r *RequestStats) option(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return st.Finalize.Insert(middleware.FinalizeMiddlewareFunc("sluiceRequestStats",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleFinalize(ctx, in)
				retries := 0
				if res, ok := retry.GetAttemptResults(md); ok {
					retries = len(res.Results) - 1
				}
				r.record(awsmiddleware.GetOperationName(ctx), retries, err)
				return out, md, err
			}), "Retry", middleware.Before)
	})
}
