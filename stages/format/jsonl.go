package format

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// newCompressor wraps w in the JSON-lines compression at r's level. Both
// compressors are deterministic: gzip writes no name and a zero modification
// time, and zstd runs single-threaded with fixed options.
func newCompressor(w io.Writer, r resolved) (io.WriteCloser, error) {
	switch r.compression {
	case CompressionGzip:
		gz, err := gzip.NewWriterLevel(w, cmp.Or(r.level, gzip.DefaultCompression))
		if err != nil {
			return nil, err
		}
		// klauspost/compress writes the zero time as a date in 2042; the
		// Unix epoch is written as 0, "no time stamp" in RFC 1952.
		gz.ModTime = time.Unix(0, 0)
		return gz, nil
	case CompressionZstd:
		return zstd.NewWriter(w,
			zstd.WithEncoderLevel(zstdLevel(r.level)),
			zstd.WithEncoderConcurrency(1),
			zstd.WithEncoderCRC(true),
			zstd.WithZeroFrames(true),
		)
	}
	return nopCloser{w}, nil
}

// zstdLevel is the encoder level of a numeric zstd level, 0 the default.
func zstdLevel(level int) zstd.EncoderLevel {
	if level == 0 {
		return zstd.SpeedDefault
	}
	return zstd.EncoderLevelFromZstd(level)
}

// CompressionOf returns the compression a JSON-lines file's extension
// ("jsonl.gz", ".jsonl.zst", "jsonl") names, for Decompress.
func CompressionOf(ext string) string {
	switch {
	case strings.HasSuffix(ext, ".gz"):
		return CompressionGzip
	case strings.HasSuffix(ext, ".zst"):
		return CompressionZstd
	}
	return CompressionNone
}

// Decompress returns the reader of what compression (CompressionGzip,
// CompressionZstd, or CompressionNone and "" for none) wrote to r: JSON
// lines and dead-letter files as sluice writes them. Close it when done
// (it does not close r).
func Decompress(r io.Reader, compression string) (io.ReadCloser, error) {
	switch compression {
	case CompressionGzip:
		return gzip.NewReader(r)
	case CompressionZstd:
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		return zr.IOReadCloser(), nil
	case CompressionNone, "":
		return io.NopCloser(r), nil
	}
	return nil, fmt.Errorf("%w: compression %q", ErrUnsupported, compression)
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// encodeJSONL writes the spill's records to w as JSON lines (see appendRow)
// and returns the number of rows.
func encodeJSONL(ctx context.Context, sr Batches, w io.Writer, r resolved) (int64, error) {
	cw, err := newCompressor(w, r)
	if err != nil {
		return 0, fmt.Errorf("creating %s compressor: %w", r.compression, err)
	}
	defer cw.Close() // a second Close after the one below is harmless
	var (
		rows int64
		line = make([]byte, 0, 4096)
	)
	for batch := sr.Next(); batch != nil; batch = sr.Next() {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		var cols *jsonCols
		if batch.Schema().Equal(envelope) {
			c := newJSONCols(batch)
			cols = &c
		}
		for i := range int(batch.NumRows()) {
			if cols != nil {
				line = cols.appendRow(line[:0], i)
			} else {
				line = appendTypedRow(line[:0], batch, i)
			}
			if _, err := cw.Write(line); err != nil {
				return 0, fmt.Errorf("writing json lines: %w", err)
			}
		}
		rows += batch.NumRows()
	}
	if err := sr.Err(); err != nil {
		return 0, err
	}
	if err := cw.Close(); err != nil {
		return 0, fmt.Errorf("closing %s stream: %w", r.compression, err)
	}
	return rows, nil
}

// jsonCols are the typed columns of one batch.
type jsonCols struct {
	rowSizer
	partition *array.Int32
	offset    *array.Int64
	timestamp *array.Timestamp
}

func newJSONCols(b arrow.RecordBatch) jsonCols {
	return jsonCols{
		rowSizer:  newRowSizer(b),
		partition: b.Column(colPartition).(*array.Int32),
		offset:    b.Column(colOffset).(*array.Int64),
		timestamp: b.Column(colTimestamp).(*array.Timestamp),
	}
}
