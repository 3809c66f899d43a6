package objstore_test

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/transport/objstore"
)

// startMoto runs moto_server (pip install "moto[server]") on a free port,
// with env added to its environment, and returns a configuration that
// reaches it. Without moto_server the test is skipped, unless $CI is set.
func startMoto(t *testing.T, env ...string) objstore.S3Config {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("moto_server not installed")
		}
		t.Fatal("moto_server is required when CI is set (pip install 'moto[server]')")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	require.NoError(t, l.Close())

	var out lockedBuffer
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", port)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("moto_server output:\n%s", out.String())
		}
	})
	endpoint := "http://127.0.0.1:" + port
	require.Eventually(t, func() bool {
		resp, err := http.Get(endpoint + "/moto-api/") //nolint:noctx // short poll
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return true
	}, 30*time.Second, 100*time.Millisecond, "moto_server did not start")
	return objstore.S3Config{
		Endpoint: endpoint, Region: "us-east-1", PathStyle: true,
		AccessKeyID: "moto", SecretAccessKey: "moto-secret",
	}
}

func TestS3StoreContractMoto(t *testing.T) {
	cfg := startMoto(t)
	motoBucket(t, cfg, "contract")
	s3Contract(t, "contract", cfg, objstore.Settings{})
}

// motoBucket creates a bucket on moto with cfg's credentials and returns
// the client that did, to inspect what the store wrote.
func motoBucket(t *testing.T, cfg objstore.S3Config, name string) *s3.Client {
	t.Helper()
	client := s3.New(s3.Options{
		Region: cfg.Region, BaseEndpoint: aws.String(cfg.Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, ""),
	})
	_, err := client.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(name)})
	require.NoError(t, err)
	return client
}

// lockedBuffer collects a process's output from its copying goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
