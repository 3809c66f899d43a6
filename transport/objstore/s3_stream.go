package objstore

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// streamBuffers bounds the part buffers of the S3 store's streamed puts.
//
// A streamed put fills a buffer of PartSize bytes; an object that ends
// within it goes up in one PutObject, otherwise each full buffer is sent as
// a multipart part while the writer fills the next. Buffers are taken from
// the store's PartConcurrency+1 slots, shared by every streamed put, so the
// memory they hold is bounded by (PartConcurrency+1)×PartSize however many
// files are uploaded at once (80 MiB by default). A writer waiting for a slot
// holds none, and a part being sent frees its slot when it is sent, so the
// wait always ends.
type streamBuffers struct {
	slots chan struct{}
	pool  sync.Pool // *[]byte of cap PartSize
	size  int
}

func newStreamBuffers(c S3Config) *streamBuffers {
	b := &streamBuffers{slots: make(chan struct{}, c.PartConcurrency+1), size: int(c.PartSize)}
	b.pool.New = func() any { buf := make([]byte, 0, b.size); return &buf }
	return b
}

// get takes a slot and an empty buffer, waiting for a slot until ctx is done.
func (b *streamBuffers) get(ctx context.Context) (*[]byte, error) {
	select {
	case b.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	buf := b.pool.Get().(*[]byte)
	*buf = (*buf)[:0]
	return buf, nil
}

// put gives back a buffer and its slot.
func (b *streamBuffers) put(buf *[]byte) {
	b.pool.Put(buf)
	<-b.slots
}

// PutStream sends an object as write writes it (see Streamer and
// streamBuffers). A part the SDK retries is sent again from its buffer, so
// it holds the same bytes; a failed put is aborted and retried whole by the
// caller, whose encoding is deterministic.
func (s *s3Store) PutStream(ctx context.Context, key string, write func(io.Writer) error) (Object, error) {
	if err := checkKey(key); err != nil {
		return Object{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := &partWriter{s: s, ctx: ctx, cancel: cancel, key: key, full: aws.String(s.root + key)}
	err := write(w)
	if err == nil {
		err = w.failed()
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		w.stop()
		return Object{}, fmt.Errorf("putting %q: %w", key, err)
	}
	return w.finish()
}

// partWriter is the writer a streamed put hands to its write function.
type partWriter struct {
	s          *s3Store
	ctx        context.Context
	cancel     context.CancelFunc
	key        string
	full       *string
	buf        *[]byte // being filled; nil before the first write and between parts
	size       int64
	uploadID   *string // set once the object goes up in parts
	sent       int32   // parts handed to senders
	wg         sync.WaitGroup
	mu         sync.Mutex
	parts      []types.CompletedPart
	err        error // the first part's failure
	checksumOn types.ChecksumAlgorithm
}

func (w *partWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if err := w.failed(); err != nil {
			return n, err
		}
		if w.buf != nil && len(*w.buf) == cap(*w.buf) {
			if err := w.send(); err != nil {
				return n, err
			}
		}
		if w.buf == nil {
			buf, err := w.s.streams.get(w.ctx)
			if err != nil {
				return n, err
			}
			w.buf = buf
		}
		b := *w.buf
		c := copy(b[len(b):cap(b)], p)
		*w.buf = b[:len(b)+c]
		p, n = p[c:], n+c
		w.size += int64(c)
	}
	return n, nil
}

// failed returns the first failure of a part sent in the background.
func (w *partWriter) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// send hands the full buffer to a sender, starting the multipart upload
// with the first part.
func (w *partWriter) send() error {
	if w.uploadID == nil {
		w.checksumOn = w.s.checksumAlgorithm()
		create := &s3.CreateMultipartUploadInput{Bucket: &w.s.bucket, Key: w.full, ChecksumAlgorithm: w.checksumOn}
		w.s.obj.create(create)
		created, err := w.s.client.CreateMultipartUpload(w.ctx, create)
		if err != nil {
			return fmt.Errorf("starting multipart upload: %w", w.s.classify(err))
		}
		w.uploadID = created.UploadId
	}
	if w.sent == maxParts {
		return fmt.Errorf("object is larger than %d parts of %d bytes (raise part_size)", maxParts, w.s.cfg.PartSize)
	}
	w.sent++
	buf, num := w.buf, w.sent
	w.buf = nil
	w.wg.Go(func() {
		defer w.s.streams.put(buf)
		in := &s3.UploadPartInput{
			Bucket: &w.s.bucket, Key: w.full, UploadId: w.uploadID,
			PartNumber: aws.Int32(num), ChecksumAlgorithm: w.checksumOn,
			Body: bytes.NewReader(*buf), ContentLength: aws.Int64(int64(len(*buf))),
		}
		w.s.obj.part(in)
		out, err := w.s.client.UploadPart(w.ctx, in)
		w.mu.Lock()
		defer w.mu.Unlock()
		if err != nil {
			if w.err == nil {
				w.err = fmt.Errorf("uploading part %d: %w", num, w.s.classify(err))
				w.cancel()
			}
			return
		}
		w.parts = append(w.parts, types.CompletedPart{
			PartNumber: aws.Int32(num), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32,
		})
	})
	return nil
}

// stop waits for the parts being sent, gives back the buffer and aborts the
// multipart upload, if one was started.
func (w *partWriter) stop() {
	w.cancel()
	w.wg.Wait()
	if w.buf != nil {
		w.s.streams.put(w.buf)
		w.buf = nil
	}
	if w.uploadID != nil {
		w.s.abort(w.ctx, w.key, w.uploadID)
	}
}

// finish stores what was written: in one PutObject if it fit in the first
// buffer, else as the multipart upload's last part and completion.
func (w *partWriter) finish() (Object, error) {
	if w.uploadID == nil {
		var body []byte
		if w.buf != nil {
			body = *w.buf
		}
		in := &s3.PutObjectInput{
			Bucket: &w.s.bucket, Key: w.full,
			Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body))),
		}
		w.s.obj.put(in, true)
		out, err := w.s.client.PutObject(w.ctx, in)
		w.stop()
		if err != nil {
			return Object{}, fmt.Errorf("putting %q: %w", w.key, w.s.classify(err))
		}
		return Object{Key: w.key, Size: w.size, ETag: aws.ToString(out.ETag)}, nil
	}
	err := w.send()
	w.wg.Wait()
	if err == nil {
		err = cmp.Or(w.failed(), w.ctx.Err())
	}
	if err != nil {
		w.stop()
		return Object{}, fmt.Errorf("putting %q: %w", w.key, err)
	}
	slices.SortFunc(w.parts, func(a, b types.CompletedPart) int {
		return cmp.Compare(aws.ToInt32(a.PartNumber), aws.ToInt32(b.PartNumber))
	})
	complete := &s3.CompleteMultipartUploadInput{
		Bucket: &w.s.bucket, Key: w.full, UploadId: w.uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: w.parts},
	}
	w.s.obj.complete(complete)
	done, err := w.s.client.CompleteMultipartUpload(w.ctx, complete)
	if err != nil {
		w.stop()
		return Object{}, fmt.Errorf("putting %q: completing multipart upload: %w", w.key, w.s.classify(err))
	}
	return Object{Key: w.key, Size: w.size, ETag: aws.ToString(done.ETag)}, nil
}
