package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluicehq/sluice/testing/minio"
	"github.com/sluicehq/sluice/transport/objstore"
)

// MinIO credentials of the harness's server.
const (
	minioUser   = "sluice-bench"
	minioSecret = "sluice-bench-secret"
)

// minioServer is a MinIO child process with a request-counting proxy in
// front of it.
type minioServer struct {
	proc     *child
	endpoint string // MinIO itself: the harness polls here, uncounted
	proxy    *countingProxy
}

// startMinIO builds MinIO if needed (testing/minio.Binary), starts it on
// dataDir and waits until it is live.
func startMinIO(ctx context.Context, dataDir string) (*minioServer, error) {
	bin, err := minio.Binary()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	console, err := freeAddr()
	if err != nil {
		return nil, err
	}
	proc, err := startChild("minio", bin, []string{"server", "--quiet", "--address", addr, "--console-address", console, filepath.Join(dataDir, "minio")},
		[]string{"MINIO_ROOT_USER=" + minioUser, "MINIO_ROOT_PASSWORD=" + minioSecret, "MINIO_BROWSER=off", "MINIO_UPDATE=off"}, nil)
	if err != nil {
		return nil, err
	}
	m := &minioServer{proc: proc, endpoint: "http://" + addr}
	if err := m.waitLive(ctx); err != nil {
		proc.kill()
		return nil, err
	}
	if m.proxy, err = newCountingProxy(m.endpoint); err != nil {
		proc.kill()
		return nil, err
	}
	return m, nil
}

func (m *minioServer) waitLive(ctx context.Context) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if !m.proc.running() {
			return fmt.Errorf("MinIO exited: %v\n%s", m.proc.exitErr(), m.proc.out)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.endpoint+"/minio/health/live", nil)
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
	return fmt.Errorf("MinIO not live after 60s\n%s", m.proc.out)
}

// s3Config is the objstore configuration for endpoint (MinIO or the proxy).
func s3Config(endpoint string) objstore.S3Config {
	c := objstore.DefaultS3Config()
	c.Endpoint = endpoint
	c.Region = "us-east-1"
	c.PathStyle = true
	c.AccessKeyID = minioUser
	c.SecretAccessKey = minioSecret
	return c
}

// createBucket creates a bucket on MinIO directly.
func (m *minioServer) createBucket(ctx context.Context, name string) error {
	client := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(m.endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(minioUser, minioSecret, ""),
	})
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		return fmt.Errorf("creating bucket %q: %w", name, err)
	}
	return nil
}

func (m *minioServer) close() {
	m.proxy.close()
	if err := m.proc.stop(15 * time.Second); err != nil {
		m.proc.kill()
	}
}

// countingProxy forwards S3 requests to MinIO and counts them by method.
// The Host header is kept, so SigV4 signatures made for the proxy's address
// still verify.
type countingProxy struct {
	url    string
	server *http.Server
	ln     net.Listener
	done   chan struct{}
	counts [5]atomic.Int64 // by methodIndex
}

var methods = [...]string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPost, http.MethodDelete}

func newCountingProxy(target string) (*countingProxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("parsing %q: %w", target, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening for the S3 proxy: %w", err)
	}
	p := &countingProxy{url: "http://" + ln.Addr().String(), ln: ln, done: make(chan struct{})}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			r.Out.Host = r.In.Host
		},
		Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second},
	}
	p.server = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for i, m := range methods {
				if r.Method == m {
					p.counts[i].Add(1)
				}
			}
			rp.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		defer close(p.done)
		_ = p.server.Serve(ln)
	}()
	return p, nil
}

// snapshot returns the counts by method so far.
func (p *countingProxy) snapshot() map[string]int64 {
	out := map[string]int64{}
	for i, m := range methods {
		out[m] = p.counts[i].Load()
	}
	return out
}

func (p *countingProxy) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = p.server.Shutdown(ctx)
	<-p.done
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String(), nil
}
