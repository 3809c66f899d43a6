package minio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluicehq/sluice/transport/objstore"
)

const (
	// readyTimeout bounds the wait for a started server to answer its
	// health check (generous: test machines are often busy).
	readyTimeout = 60 * time.Second
	// stopTimeout is how long a server has to exit after SIGTERM before it
	// is killed.
	stopTimeout = 10 * time.Second
	// startAttempts is how often Start tries, in case a free port was taken
	// between choosing it and MinIO binding it.
	startAttempts = 3
	// maxOutput caps the server output kept for the test log.
	maxOutput = 1 << 20
)

// Server is a running MinIO server.
type Server struct {
	// Endpoint is the server's S3 endpoint ("http://127.0.0.1:PORT").
	Endpoint string
	// AccessKey and SecretKey are the root credentials.
	AccessKey, SecretKey string

	out *output
}

// Start starts a MinIO server on a free loopback port with a fresh temp data
// dir, waits until it is ready, and stops it (SIGTERM, then SIGKILL) in
// t.Cleanup. If the binary cannot be found or built, the test is skipped,
// unless $CI is set: then it fails. The server's output goes to the test log
// if the test fails.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("MinIO is not available (set $%s or allow go install): %v", EnvBinary, err)
		}
		t.Fatalf("MinIO is required when CI is set: %v", err)
	}
	for attempt := 1; ; attempt++ {
		s, err := start(t, bin)
		if err == nil {
			return s
		}
		if attempt == startAttempts {
			t.Fatalf("starting MinIO: %v", err)
		}
		t.Logf("starting MinIO (attempt %d): %v", attempt, err)
	}
}

func start(t testing.TB, bin string) (*Server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	consoleAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	s := &Server{
		Endpoint:  "http://" + addr,
		AccessKey: "sluice-test",
		SecretKey: "sluice-test-secret",
		out:       &output{},
	}
	cmd := exec.Command(bin, "server", "--address", addr, "--console-address", consoleAddr, t.TempDir())
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+s.AccessKey,
		"MINIO_ROOT_PASSWORD="+s.SecretKey,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
	)
	cmd.Stdout, cmd.Stderr = s.out, s.out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("running %s: %w", bin, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	stop := func() {
		if runtime.GOOS == "windows" || cmd.Process.Signal(syscall.SIGTERM) != nil {
			_ = cmd.Process.Kill()
		}
		select {
		case <-exited:
		case <-time.After(stopTimeout):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	if err := s.waitReady(t, exited); err != nil {
		stop()
		return nil, fmt.Errorf("%w\nMinIO output:\n%s", err, s.out)
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("MinIO output:\n%s", s.out)
		}
	})
	return s, nil
}

// waitReady polls the liveness endpoint until it answers 200.
func (s *Server) waitReady(t testing.TB, exited <-chan struct{}) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("MinIO exited before it was ready")
		default:
		}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.Endpoint+"/minio/health/live", nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("MinIO not ready after %s", readyTimeout)
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

// CreateBucket creates a bucket (names need 3 or more characters) and fails
// the test if that does not work.
func (s *Server) CreateBucket(t testing.TB, name string) {
	t.Helper()
	client := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
	})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("creating bucket %q: %v", name, err)
	}
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	defer func() { _ = l.Close() }()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}

// output keeps the last maxOutput bytes a process writes.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	if extra := o.buf.Len() - maxOutput; extra > 0 {
		o.buf.Next(extra)
	}
	return len(p), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}
