package format

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/golang/snappy"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zstd"
)

// Avro object container files are written here, not with hamba/avro's
// ocf.Encoder: it writes the header's metadata from a Go map, in map
// iteration order, so that two encodings of the same records differ. The
// container is small (Avro 1.12 spec, "Object Container Files"):
//
//	header: "Obj" 1, metadata (an Avro map<bytes>, keys sorted here), sync
//	blocks: row count (long), byte size (long), compressed rows, sync
//
// The 16-byte sync marker is the first 16 bytes of the SHA-256 of the
// header before it, never random. hamba/avro parses the schema before a
// file is written and reads files back in the tests and "sluice verify".
const (
	// avroBlockRows and avroBlockBytes cut blocks, whatever the batches: a
	// block ends after avroBlockRows rows or after the row that brings its
	// uncompressed size to avroBlockBytes. A block is held, uncompressed
	// and compressed, while it is written: about 2 MiB plus the largest row.
	avroBlockRows  = 65536
	avroBlockBytes = 1 << 20
)

var avroMagic = []byte{'O', 'b', 'j', 1}

// avroCodecNames are the "avro.codec" values of the compressions.
var avroCodecNames = map[string]string{
	CompressionNone:    "null",
	CompressionDeflate: "deflate",
	CompressionSnappy:  "snappy",
	CompressionZstd:    "zstandard",
}

// avroCodec compresses one block; the result is valid until the next call.
type avroCodec interface {
	compress(block []byte) ([]byte, error)
	close()
}

// newAvroCodec returns the block codec of r. All are deterministic: deflate
// at a fixed level, zstd single-threaded with fixed options.
func newAvroCodec(r resolved) (avroCodec, error) {
	switch r.compression {
	case CompressionDeflate:
		var buf bytes.Buffer
		fw, err := flate.NewWriter(&buf, cmp.Or(r.level, flate.DefaultCompression))
		if err != nil {
			return nil, err
		}
		return &deflateCodec{buf: &buf, fw: fw}, nil
	case CompressionSnappy:
		return &snappyCodec{}, nil
	case CompressionZstd:
		enc, err := zstd.NewWriter(nil,
			zstd.WithEncoderLevel(zstdLevel(r.level)),
			zstd.WithEncoderConcurrency(1),
			zstd.WithEncoderCRC(true),
		)
		if err != nil {
			return nil, err
		}
		return &zstdCodec{enc: enc}, nil
	}
	return nullCodec{}, nil
}

type nullCodec struct{}

func (nullCodec) compress(b []byte) ([]byte, error) { return b, nil }
func (nullCodec) close()                            {}

// deflateCodec writes raw deflate (RFC 1951), as Avro's "deflate" is.
type deflateCodec struct {
	buf *bytes.Buffer
	fw  *flate.Writer
}

func (c *deflateCodec) compress(b []byte) ([]byte, error) {
	c.buf.Reset()
	c.fw.Reset(c.buf)
	if _, err := c.fw.Write(b); err != nil {
		return nil, err
	}
	if err := c.fw.Close(); err != nil {
		return nil, err
	}
	return c.buf.Bytes(), nil
}
func (c *deflateCodec) close() {}

// snappyCodec writes a snappy block and the CRC-32 of the uncompressed
// bytes, big-endian, as Avro's "snappy" is.
type snappyCodec struct{ out []byte }

func (c *snappyCodec) compress(b []byte) ([]byte, error) {
	c.out = snappy.Encode(c.out[:cap(c.out)], b)
	c.out = binary.BigEndian.AppendUint32(c.out, crc32.ChecksumIEEE(b))
	return c.out, nil
}
func (c *snappyCodec) close() {}

// zstdCodec writes one zstd frame per block.
type zstdCodec struct {
	enc *zstd.Encoder
	out []byte
}

func (c *zstdCodec) compress(b []byte) ([]byte, error) {
	c.out = c.enc.EncodeAll(b, c.out[:0])
	return c.out, nil
}
func (c *zstdCodec) close() { _ = c.enc.Close() }

// avroHeader is the container header: magic, the metadata with its keys
// sorted, and the sync marker derived from them.
func avroHeader(meta map[string][]byte) (header []byte, sync [16]byte) {
	header = append([]byte(nil), avroMagic...)
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	header = binary.AppendVarint(header, int64(len(keys)))
	for _, k := range keys {
		header = binary.AppendVarint(header, int64(len(k)))
		header = append(header, k...)
		header = binary.AppendVarint(header, int64(len(meta[k])))
		header = append(header, meta[k]...)
	}
	header = append(header, 0)
	sum := sha256.Sum256(header)
	copy(sync[:], sum[:16])
	return append(header, sync[:]...), sync
}

// avroMeta is the header metadata of a file of rows of s.
func avroMeta(s *arrow.Schema, r resolved) (map[string][]byte, error) {
	text, err := avroSchemaJSON(s)
	if err != nil {
		return nil, err
	}
	meta := map[string][]byte{
		"avro.schema": text,
		"avro.codec":  []byte(avroCodecNames[r.compression]),
	}
	// The layout's keys (MetaOffsetColumn, MetaAvroSchema, ...), so that
	// readers find the envelope columns and the values' own schema.
	md := s.Metadata()
	for i, key := range md.Keys() {
		if strings.HasPrefix(key, "sluice.") {
			meta[key] = []byte(md.Values()[i])
		}
	}
	return meta, nil
}

// encodeAvro writes the records of in to w as one Avro object container
// file of in's schema (the envelope's when it has none) and returns the
// number of rows.
func encodeAvro(ctx context.Context, in Batches, w io.Writer, r resolved) (rows int64, err error) {
	codec, err := newAvroCodec(r)
	if err != nil {
		return 0, fmt.Errorf("creating avro %s codec: %w", r.compression, err)
	}
	defer codec.close()
	schema := in.Schema()
	if schema == nil {
		schema = envelope
	}
	meta, err := avroMeta(schema, r)
	if err != nil {
		return 0, err
	}
	header, sync := avroHeader(meta)
	if _, err := w.Write(header); err != nil {
		return 0, fmt.Errorf("writing avro header: %w", err)
	}
	var (
		binder avroBinder
		block  = make([]byte, 0, avroBlockBytes+avroBlockBytes/8)
		count  int
	)
	flush := func() error {
		if count == 0 {
			return nil
		}
		data, err := codec.compress(block)
		if err != nil {
			return fmt.Errorf("compressing avro block: %w", err)
		}
		var head [2 * binary.MaxVarintLen64]byte
		h := binary.AppendVarint(head[:0], int64(count))
		h = binary.AppendVarint(h, int64(len(data)))
		for _, p := range [][]byte{h, data, sync[:]} {
			if _, err := w.Write(p); err != nil {
				return fmt.Errorf("writing avro block: %w", err)
			}
		}
		block, count = block[:0], 0
		return nil
	}

	for batch := in.Next(); batch != nil; batch = in.Next() {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if s := batch.Schema(); s != schema && !s.Equal(schema) {
			return 0, fmt.Errorf("%w: a batch of schema %s in a file of schema %s", ErrUnsupported, s, schema)
		}
		enc, err := binder.bindRow(batch)
		if err != nil {
			return 0, err
		}
		for i := range int(batch.NumRows()) {
			block = enc(block, i)
			if binder.err != nil {
				return 0, binder.err
			}
			count++
			if count >= avroBlockRows || len(block) >= avroBlockBytes {
				if err := flush(); err != nil {
					return 0, err
				}
			}
		}
		rows += batch.NumRows()
	}
	if err := in.Err(); err != nil {
		return 0, err
	}
	if err := flush(); err != nil {
		return 0, err
	}
	return rows, nil
}
