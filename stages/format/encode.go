package format

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Format types and compression codecs as written in Config.
const (
	TypeParquet = "parquet"
	TypeJSONL   = "jsonl"
	TypeAvro    = "avro"

	CompressionZstd    = "zstd"
	CompressionSnappy  = "snappy"
	CompressionGzip    = "gzip"
	CompressionDeflate = "deflate"
	CompressionNone    = "none"
)

// ErrUnsupported is returned (wrapped) for a format type or compression that
// Encode does not know, or a compression the format cannot use.
var ErrUnsupported = errors.New("unsupported format")

// outputBufferSize is the write buffer in front of the caller's writer.
const outputBufferSize = 256 << 10

// Result describes an encoded file.
type Result struct {
	// Rows is the number of records in the file.
	Rows int64
	// Bytes is the number of bytes written.
	Bytes int64
}

// resolved is a Config with defaults applied and checked.
type resolved struct {
	typ, compression string
	// level is the codec's numeric level; 0 is its default (and the level
	// of codecs without levels).
	level int
}

// resolve applies the defaults of an empty Type ("parquet") and an empty
// Compression (the format's, see Config.EffectiveCompression) and rejects
// what Encode cannot write.
func resolve(cfg Config) (resolved, error) {
	cfg.Type = cfg.typ()
	r := resolved{typ: cfg.Type, compression: cfg.EffectiveCompression()}
	codecs, ok := formatCompressions[r.typ]
	if !ok {
		return r, fmt.Errorf("%w: type %q: want %q, %q or %q", ErrUnsupported, cfg.Type, TypeParquet, TypeJSONL, TypeAvro)
	}
	if !slices.Contains(codecs, r.compression) {
		return r, fmt.Errorf("%w: compression %q for %s", ErrUnsupported, cfg.Compression, r.typ)
	}
	if err := checkLevel(r.compression, cfg.Level); err != nil {
		return r, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	r.level = levels[r.compression][cmp.Or(cfg.Level, LevelDefault)]
	return r, nil
}

// Extension is the file name extension of the files cfg encodes: ".parquet",
// ".jsonl", ".jsonl.gz", ".jsonl.zst", ".avro" or a registered format's; "" when
// Encode would reject cfg.
func Extension(cfg Config) string {
	f, err := New(cfg, Settings{})
	if err != nil {
		return ""
	}
	return f.Extension()
}

// Encode reads the closed spill file at spillPath and writes the output file
// in the format cfg chooses to w: EncodeFrom(ctx, SpillFile(spillPath), ...).
func Encode(ctx context.Context, spillPath string, w io.Writer, cfg Config, alloc memory.Allocator) (Result, error) {
	return EncodeFrom(ctx, SpillFile(spillPath), w, cfg, alloc)
}

// EncodeFrom reads a file's records from src (a closed spill file or records
// held in memory) and writes the output file in the format cfg chooses to w
// (an empty Type means parquet, an empty Compression zstd; a registered
// format is built with its options, see New).
//
// With cfg.Infer the file's columns are inferred from its records' JSON
// values (see infer.go), in a first pass over src.
//
// The bytes written are a pure function of the records and cfg: independent
// of whether they were held or spilled, of how the spill was cut into
// batches, of time, host and memory pressure. Memory stays bounded: a spill
// is read batch by batch and Parquet row groups are cut at fixed limits (see
// parquet.go). Encoding held records leaves them held.
//
// EncodeFrom does not close w. It returns an error wrapping ErrUnsupported
// for a bad cfg, ErrCorruptSpill for a spill file that is truncated, not
// closed or undecodable, ErrReleased for held records already released, or
// the context's error when ctx ends first; w then holds a partial file the
// caller must discard.
func EncodeFrom(ctx context.Context, src Source, w io.Writer, cfg Config, alloc memory.Allocator) (res Result, err error) {
	f, err := New(cfg, Settings{Alloc: alloc})
	if err != nil {
		return Result{}, err
	}
	// The IPC decoder trusts the file's offsets and lengths; a damaged spill
	// can make it (or an encoder reading the arrays) index out of range.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("encoding %s: %w: %v", src, ErrCorruptSpill, p)
		}
	}()
	var sr batchReader
	if cfg.Infer {
		sr, err = inferBatches(ctx, src, cfg.Columns, alloc)
	} else {
		sr, err = src.open(alloc)
	}
	if err != nil {
		return Result{}, fmt.Errorf("encoding %s: %w", src, err)
	}
	defer sr.close()

	cw := &countingWriter{w: w}
	bw := bufio.NewWriterSize(cw, outputBufferSize)
	rows, err := f.Encode(ctx, sr, bw)
	if err != nil {
		return Result{}, err
	}
	if err := bw.Flush(); err != nil {
		return Result{}, fmt.Errorf("writing output: %w", err)
	}
	return Result{Rows: rows, Bytes: cw.n}, nil
}

// countingWriter counts the bytes written through it. It has no Close method
// on purpose: the Parquet writer closes its sink when it can.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
