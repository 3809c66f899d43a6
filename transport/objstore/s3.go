package objstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// s3Store keeps objects in an S3 bucket under a key prefix.
type s3Store struct {
	client *s3.Client
	bucket string
	root   string // key prefix, "" or ending in "/"
	cfg    S3Config
	obj    objectSettings
	log    *slog.Logger
	// streams holds the part buffers of streamed puts (PutStream).
	streams *streamBuffers
}

func openS3(ctx context.Context, u *url.URL, c S3Config, set Settings) (*s3Store, error) {
	if u.Host == "" {
		return nil, fmt.Errorf("destination %q: no bucket (want s3://bucket[/prefix])", u.String())
	}
	c, err := c.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("configuring S3: %w", err)
	}
	obj, err := newObjectSettings(c)
	if err != nil {
		return nil, fmt.Errorf("configuring S3: %w", err)
	}
	client, err := newS3Client(ctx, c, set)
	if err != nil {
		return nil, err
	}
	root := strings.Trim(u.Path, "/")
	if root != "" {
		if err := checkKey(root); err != nil {
			return nil, fmt.Errorf("destination %q: prefix: %w", u.String(), err)
		}
		root += "/"
	}
	s := &s3Store{client: client, bucket: u.Host, root: root, cfg: c, obj: obj, log: set.Logger,
		streams: newStreamBuffers(c)}
	if err := s.check(ctx); err != nil {
		return nil, fmt.Errorf("opening %s: %w", s, err)
	}
	return s, nil
}

// OpenPatience is how long opening an S3 store keeps checking it through
// transient failures (throttling, 5xx answers, connections reset), each
// check already retried by the SDK: a store that is briefly unwell at start
// is waited for, not reported.
const OpenPatience = time.Minute

// check fails, with a clear message, if the credentials, the bucket or the
// endpoint are wrong; it checks again, with a backoff, while the failure is
// transient and OpenPatience allows.
func (s *s3Store) check(ctx context.Context) error {
	deadline := time.Now().Add(OpenPatience)
	for wait := time.Second; ; wait = min(2*wait, 10*time.Second) {
		_, err := s.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
			Bucket: &s.bucket, Prefix: aws.String(s.root), MaxKeys: aws.Int32(1),
		})
		if err == nil {
			return nil
		}
		if !transient(err) || time.Now().Add(wait).After(deadline) {
			return s.classify(err)
		}
		s.log.Warn("the S3 store did not answer at start; checking again", "store", s.String(), "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return s.classify(err)
		case <-time.After(wait):
		}
	}
}

// transient reports a failure that may pass by itself: an answer of 429 or
// 5xx (throttling, an unwell server), or a connection broken during the
// request. Refused connections and unknown hosts (a wrong endpoint), and
// every other answer (access denied, no such bucket) are not.
func transient(err error) bool {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != 0 {
		code := re.HTTPStatusCode()
		return code == http.StatusTooManyRequests || code >= 500
	}
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op != "dial"
}

func (s *s3Store) String() string {
	if s.root == "" {
		return "s3://" + s.bucket
	}
	return "s3://" + s.bucket + "/" + strings.TrimSuffix(s.root, "/")
}

func (s *s3Store) Put(ctx context.Context, key, path string) (Object, error) {
	if err := checkKey(key); err != nil {
		return Object{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return Object{}, fmt.Errorf("putting %q: %w", key, err)
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil {
		return Object{}, fmt.Errorf("putting %q: %w", key, err)
	}
	size := fi.Size()
	if size > int64(s.cfg.PartSize) {
		return s.putMultipart(ctx, key, f, size)
	}
	in := &s3.PutObjectInput{
		Bucket: &s.bucket, Key: aws.String(s.root + key),
		Body: io.NewSectionReader(f, 0, size), ContentLength: aws.Int64(size),
	}
	s.obj.put(in, true)
	out, err := s.client.PutObject(ctx, in)
	if err != nil {
		return Object{}, fmt.Errorf("putting %q: %w", key, s.classify(err))
	}
	return Object{Key: key, Size: size, ETag: aws.ToString(out.ETag)}, nil
}

func (s *s3Store) Get(ctx context.Context, key string) ([]byte, string, error) {
	if err := checkKey(key); err != nil {
		return nil, "", err
	}
	out, err := s.getObject(ctx, key)
	if err != nil {
		return nil, "", fmt.Errorf("reading %q: %w", key, s.classify(err))
	}
	defer func() { _ = out.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(out.Body, MaxSmallObject+1))
	if err != nil {
		return nil, "", fmt.Errorf("reading %q: %w", key, err)
	}
	if len(data) > MaxSmallObject {
		return nil, "", fmt.Errorf("reading %q: object is larger than %d bytes", key, MaxSmallObject)
	}
	return data, aws.ToString(out.ETag), nil
}

func (s *s3Store) PutIf(ctx context.Context, key string, data []byte, ifMatch string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	in := &s3.PutObjectInput{
		Bucket: &s.bucket, Key: aws.String(s.root + key),
		Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))),
	}
	s.obj.put(in, false)
	if ifMatch == "" {
		in.IfNoneMatch = aws.String("*")
	} else {
		in.IfMatch = aws.String(ifMatch)
	}
	var attempts attemptCounter
	out, err := s.client.PutObject(ctx, in, attempts.option)
	if err == nil {
		return aws.ToString(out.ETag), nil
	}
	err = s.classify(err)
	if errors.Is(err, ErrNotExist) && ifMatch != "" {
		err = &s3Error{msg: s.String() + ": precondition failed (no object)", sentinel: ErrPrecondition, cause: err}
	}
	if errors.Is(err, ErrPrecondition) && attempts.n.Load() > 1 {
		// An earlier attempt may have succeeded with its response lost; then
		// the object holds exactly our bytes.
		got, etag, gerr := s.Get(ctx, key)
		if gerr == nil && bytes.Equal(got, data) {
			s.log.Debug("conditional write found its own retried success", "store", s.String(), "key", key)
			return etag, nil
		}
	}
	return "", fmt.Errorf("writing %q conditionally: %w", key, err)
}

func (s *s3Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	out, err := s.getObject(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("opening %q: %w", key, s.classify(err))
	}
	return out.Body, nil
}

// getObject starts reading key, with the SSE-C key when one is configured.
func (s *s3Store) getObject(ctx context.Context, key string) (*s3.GetObjectOutput, error) {
	in := &s3.GetObjectInput{Bucket: &s.bucket, Key: aws.String(s.root + key)}
	s.obj.get(in)
	return s.client.GetObject(ctx, in)
}

func (s *s3Store) List(ctx context.Context, prefix string, fn func(Object) error) error {
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket: &s.bucket, Prefix: aws.String(s.root + prefix),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing %q: %w", prefix, s.classify(err))
		}
		for _, o := range page.Contents {
			obj := Object{
				Key:  strings.TrimPrefix(aws.ToString(o.Key), s.root),
				Size: aws.ToInt64(o.Size),
				ETag: aws.ToString(o.ETag),
			}
			if err := fn(obj); err != nil {
				return fmt.Errorf("listing %q: %w", prefix, err)
			}
		}
	}
	return nil
}

func (s *s3Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: aws.String(s.root + key)})
	if err = s.classify(err); err != nil && !errors.Is(err, ErrNotExist) {
		return fmt.Errorf("deleting %q: %w", key, err)
	}
	return nil
}

// checksumAlgorithm is what multipart uploads declare: CRC32 (the SDK's
// default) unless checksums are limited to where the API requires them.
func (s *s3Store) checksumAlgorithm() types.ChecksumAlgorithm {
	if s.cfg.Checksum == ChecksumWhenRequired {
		return ""
	}
	return types.ChecksumAlgorithmCrc32
}
