package objstore

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// abortTimeout bounds the clean-up of a failed multipart upload, which runs
// even when the caller's context is done.
const abortTimeout = 30 * time.Second

// putMultipart uploads f in parts of PartSize (grown if the file would need
// more than S3's 10,000 parts), PartConcurrency at a time. Each part is read
// straight from the file through an io.SectionReader, which the SDK can
// rewind for checksums and retries, so memory does not grow with the part
// size. On failure the upload is aborted.
func (s *s3Store) putMultipart(ctx context.Context, key string, f *os.File, size int64) (Object, error) {
	partSize := int64(s.cfg.PartSize)
	if (size+partSize-1)/partSize > maxParts {
		partSize = (size + maxParts - 1) / maxParts
	}
	nParts := (size + partSize - 1) / partSize
	algo := s.checksumAlgorithm()
	full := aws.String(s.root + key)

	create := &s3.CreateMultipartUploadInput{Bucket: &s.bucket, Key: full, ChecksumAlgorithm: algo}
	s.obj.create(create)
	created, err := s.client.CreateMultipartUpload(ctx, create)
	if err != nil {
		return Object{}, fmt.Errorf("putting %q: starting multipart upload: %w", key, s.classify(err))
	}
	uploadID := created.UploadId

	parts := make([]types.CompletedPart, nParts)
	partCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	for range min(int64(s.cfg.PartConcurrency), nParts) {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < nParts && partCtx.Err() == nil; i = next.Add(1) - 1 {
				off := i * partSize
				n := min(partSize, size-off)
				in := &s3.UploadPartInput{
					Bucket: &s.bucket, Key: full, UploadId: uploadID,
					PartNumber: aws.Int32(int32(i + 1)), ChecksumAlgorithm: algo,
					Body: io.NewSectionReader(f, off, n), ContentLength: aws.Int64(n),
				}
				s.obj.part(in)
				out, err := s.client.UploadPart(partCtx, in)
				if err != nil {
					errOnce.Do(func() {
						firstErr = fmt.Errorf("uploading part %d of %d: %w", i+1, nParts, s.classify(err))
						cancel()
					})
					return
				}
				parts[i] = types.CompletedPart{
					PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32,
				}
			}
		})
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		s.abort(ctx, key, uploadID)
		return Object{}, fmt.Errorf("putting %q: %w", key, firstErr)
	}

	complete := &s3.CompleteMultipartUploadInput{
		Bucket: &s.bucket, Key: full, UploadId: uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	}
	s.obj.complete(complete)
	done, err := s.client.CompleteMultipartUpload(ctx, complete)
	if err != nil {
		s.abort(ctx, key, uploadID)
		return Object{}, fmt.Errorf("putting %q: completing multipart upload: %w", key, s.classify(err))
	}
	return Object{Key: key, Size: size, ETag: aws.ToString(done.ETag)}, nil
}

// abort discards a failed multipart upload's parts. A failure is only
// logged: a bucket lifecycle rule for incomplete uploads is the backstop.
func (s *s3Store) abort(ctx context.Context, key string, uploadID *string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	_, err := s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket: &s.bucket, Key: aws.String(s.root + key), UploadId: uploadID,
	})
	if err != nil {
		s.log.Warn("aborting multipart upload", "store", s.String(), "key", key, "err", s.classify(err))
	}
}
