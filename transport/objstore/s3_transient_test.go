package objstore

import (
	"errors"
	"net"
	"net/http"
	"syscall"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
)

// TestTransient: which failures of the start-up check are waited out.
func TestTransient(t *testing.T) {
	answer := func(code int) error {
		return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: code}},
			Err:      errors.New("answer"),
		}}
	}
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"throttled", answer(http.StatusTooManyRequests), true},
		{"slow down", answer(http.StatusServiceUnavailable), true},
		{"internal error", answer(http.StatusInternalServerError), true},
		{"access denied", answer(http.StatusForbidden), false},
		{"no such bucket", answer(http.StatusNotFound), false},
		{"reset mid-request", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, true},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, false},
		{"unknown host", &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", IsNotFound: true}}, false},
		{"other", errors.New("something else"), false},
	} {
		assert.Equal(t, tt.want, transient(tt.err), tt.name)
	}
}
