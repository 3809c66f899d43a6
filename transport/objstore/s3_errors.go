package objstore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// s3Error is an SDK error classified for callers: it reads as a short
// explanation, matches one of the package's sentinel errors with errors.Is,
// and keeps the SDK error for errors.As.
type s3Error struct {
	msg      string
	sentinel error
	cause    error
}

func (e *s3Error) Error() string   { return e.msg + ": " + e.cause.Error() }
func (e *s3Error) Unwrap() []error { return []error{e.sentinel, e.cause} }

// classify maps S3 error codes and statuses to the package's sentinel
// errors; other errors come back unchanged.
func (s *s3Store) classify(err error) error {
	if err == nil {
		return nil
	}
	code, status := "", 0
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	wrap := func(sentinel error, format string, args ...any) error {
		return &s3Error{msg: s.String() + ": " + fmt.Sprintf(format, args...), sentinel: sentinel, cause: err}
	}
	switch {
	case code == "NoSuchBucket":
		return wrap(ErrNoBucket, "bucket %q does not exist", s.bucket)
	case code == "NoSuchKey" || (status == http.StatusNotFound && (code == "" || code == "NotFound")):
		return wrap(ErrNotExist, "no such object")
	case code == "PreconditionFailed" || status == http.StatusPreconditionFailed:
		return wrap(ErrPrecondition, "precondition failed")
	case code == "ConditionalRequestConflict" || (status == http.StatusConflict && code != "BucketAlreadyOwnedByYou"):
		return wrap(ErrPrecondition, "conflicting conditional write (%s)", code)
	case code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" ||
		code == "ExpiredToken" || code == "InvalidToken" || code == "TokenRefreshRequired":
		return wrap(ErrAccessDenied, "access denied (%s): check credentials", code)
	case code == "AccessDenied" || status == http.StatusForbidden:
		if code == "" {
			code = "Forbidden"
		}
		return wrap(ErrAccessDenied, "access denied (%s): check credentials and the bucket policy", code)
	}
	return err
}

// attemptCounter counts the HTTP attempts of one operation, so PutIf can
// tell whether a precondition failure may be its own retried success.
type attemptCounter struct{ n atomic.Int32 }

// option installs the counter behind the SDK's retry middleware, where it
// runs once per attempt.
func (c *attemptCounter) option(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return st.Finalize.Insert(middleware.FinalizeMiddlewareFunc("sluiceCountAttempts",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				c.n.Add(1)
				return next.HandleFinalize(ctx, in)
			}), "Retry", middleware.After)
	})
}
