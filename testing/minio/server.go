package minio

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluicehq/sluice/testing/proc"
	"github.com/sluicehq/sluice/transport/objstore"
)

// Server is a running MinIO server.
type Server struct {
	// Endpoint is the server's S3 endpoint ("http://127.0.0.1:PORT", or
	// https:// with Options.TLS).
	Endpoint string
	// AccessKey and SecretKey are the root credentials.
	AccessKey, SecretKey string
	// HTTPClient trusts the server's certificate (with Options.TLS; nil
	// otherwise): pass it as objstore.Settings.HTTPClient.
	HTTPClient *http.Client
	// CAFile is the server's self-signed certificate in PEM (with
	// Options.TLS), for $AWS_CA_BUNDLE.
	CAFile string
}

// Options changes how StartWith runs the server.
type Options struct {
	// Env adds variables to the server's environment, such as
	// "MINIO_KMS_SECRET_KEY=name:base64-of-32-bytes" for a static KMS key
	// (which SSE-S3 and SSE-KMS need).
	Env []string
	// TLS serves HTTPS with a self-signed certificate for 127.0.0.1 that
	// the harness writes into the server's --certs-dir (MinIO refuses SSE-C
	// over plain HTTP).
	TLS bool
}

// The root credentials of every started server.
const (
	accessKey = "sluice-test"
	secretKey = "sluice-test-secret"
)

// Start starts a MinIO server on a free loopback port with a fresh temp data
// dir, waits until it is ready, and stops it (SIGTERM, then SIGKILL) in
// t.Cleanup. If the binary cannot be found or built, the test is skipped,
// unless $CI is set: then it fails. The server's output goes to the test log
// if the test fails.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Options{})
}

// StartWith is Start with options: extra environment, TLS.
func StartWith(t testing.TB, opts Options) *Server {
	t.Helper()
	bin := tool.Require(t)
	srv := &Server{AccessKey: accessKey, SecretKey: secretKey}
	scheme := "http://"
	args := []string{"server"}
	if opts.TLS {
		scheme = "https://"
		certs := t.TempDir()
		client, err := writeCerts(certs)
		if err != nil {
			t.Fatalf("writing MinIO's certificate: %v", err)
		}
		srv.HTTPClient, srv.CAFile = client, filepath.Join(certs, "public.crt")
		args = append(args, "--certs-dir", certs)
	}
	addrs := proc.Start(t, proc.Server{
		Name:  "MinIO",
		Ports: 2, // S3 API, console
		Command: func(dir string, addrs []string) (*exec.Cmd, error) {
			cmd := exec.Command(bin, append(args, "--address", addrs[0], "--console-address", addrs[1], dir)...)
			cmd.Env = append(os.Environ(),
				"MINIO_ROOT_USER="+accessKey,
				"MINIO_ROOT_PASSWORD="+secretKey,
				"MINIO_BROWSER=off",
				"MINIO_UPDATE=off",
			)
			cmd.Env = append(cmd.Env, opts.Env...)
			return cmd, nil
		},
		ReadyURL:    func(addrs []string) string { return scheme + addrs[0] + "/minio/health/live" },
		ReadyClient: srv.HTTPClient,
	})
	srv.Endpoint = scheme + addrs[0]
	return srv
}

// S3Config returns a configuration for objstore that reaches this server:
// endpoint, path-style addressing, static credentials, region us-east-1,
// and the defaults for everything else.
func (s *Server) S3Config() objstore.S3Config {
	c := objstore.DefaultS3Config()
	c.Endpoint = s.Endpoint
	c.Region = "us-east-1"
	c.PathStyle = true
	c.AccessKeyID = s.AccessKey
	c.SecretAccessKey = s.SecretKey
	return c
}

// Client returns an SDK client of the server with the root credentials
// (trusting its certificate with Options.TLS), to set up buckets or look at
// objects the way a third party would.
func (s *Server) Client() *s3.Client {
	o := s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
	}
	if s.HTTPClient != nil {
		o.HTTPClient = s.HTTPClient
	}
	return s3.New(o)
}

// CreateBucket creates a bucket (names need 3 or more characters) and fails
// the test if that does not work.
func (s *Server) CreateBucket(t testing.TB, name string) {
	t.Helper()
	client := s.Client()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("creating bucket %q: %v", name, err)
	}
}
