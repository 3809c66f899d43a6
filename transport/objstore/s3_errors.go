package objstore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
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
	code, msg, status := "", "", 0
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code, msg = ae.ErrorCode(), ae.ErrorMessage()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	wrap := func(sentinel error, format string, args ...any) error {
		return &s3Error{msg: s.String() + ": " + fmt.Sprintf(format, args...), sentinel: sentinel, cause: err}
	}
	var role *roleError
	if errors.As(err, &role) {
		if code == "" {
			return err // not STS's answer (a network error): may pass
		}
		return wrap(ErrAccessDenied, "assuming role %s refused (%s): check the base credentials, their sts:AssumeRole permission and the role's trust policy (external_id)", role.arn, code)
	}
	if e := s.classifySSEC(code, msg, status, wrap); e != nil {
		return e
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

// ssecSetting names the setting an SSE-C error points at.
const ssecSetting = "destination.s3.encryption.customer_key_file"

// classifySSEC explains the errors of SSE-C objects read without their key
// or with another one, and of SSE-C over plain HTTP: ErrAccessDenied,
// since retrying does not help.
func (s *s3Store) classifySSEC(code, msg string, status int, wrap func(error, string, ...any) error) error {
	lower := strings.ToLower(msg)
	switch {
	case strings.Contains(lower, "secure connection") || strings.Contains(lower, "over https"):
		return wrap(ErrAccessDenied, "SSE-C needs an https:// endpoint (%s)", code)
	case strings.Contains(lower, "stored using a form of server side encryption"):
		return wrap(ErrAccessDenied, "the object is encrypted with a customer key (SSE-C): set %s to the key it was written with", ssecSetting)
	case strings.Contains(lower, "encryption parameters did not match"),
		strings.Contains(lower, "md5 hash of the key did not match"):
		return wrap(ErrAccessDenied, "the object was written with another SSE-C key than %s", ssecSetting)
	case s.obj.sseC != nil && status == http.StatusForbidden && code != "SignatureDoesNotMatch" && code != "InvalidAccessKeyId":
		// S3 and MinIO answer a read with the wrong key 403 Access Denied,
		// like a policy refusal.
		if code == "" {
			code = "Forbidden"
		}
		return wrap(ErrAccessDenied, "access denied (%s): check credentials, the bucket policy, and that %s is the key the object was written with", code, ssecSetting)
	}
	return nil
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
