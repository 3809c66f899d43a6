package format

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Parquet layout limits. They are constants, not configuration, because every
// process encoding a round must cut it the same way.
//
// Row groups are buffered: a row group keeps its encoded, compressed pages in
// memory until it is closed. It is closed, at a chunk boundary, once it holds
// rowGroupRows rows or rowGroupBytes bytes of encoded pages. Peak encoder
// memory is therefore about rowGroupBytes (in a buffer that grows by doubling,
// so up to three times that while it grows), plus one chunk (chunkBytes of
// payload, held twice while chunks are concatenated), plus one open data page
// (1 MiB) and dictionary (1 MiB) per leaf column: about 40 MiB. The row group
// limit is the memory lever: at 32 MiB two encoders alone held 200 MiB.
// 8 MiB of compressed pages is still about 100,000 records of a few hundred
// bytes per row group, the size readers such as DuckDB write themselves.
const (
	// chunkRows and chunkBytes cut the spill stream into the chunks handed to
	// the Parquet writer, whatever its batches: at most chunkRows rows, and the
	// chunk ends after the row that brings its payload to chunkBytes. The
	// column writers check page size every WriteBatchSize values counted from
	// the start of each write, so chunks fix page cuts too.
	chunkRows  = 4096
	chunkBytes = 4 << 20
	// rowGroupRows is a multiple of chunkRows.
	rowGroupRows  = 256 * chunkRows // 1,048,576
	rowGroupBytes = 8 << 20
	// createdBy is written into every file's footer instead of the library's
	// version string, so that it does not vary with the build.
	createdBy = "sluice"
)

var parquetCodecs = map[string]compress.Compression{
	CompressionZstd:   compress.Codecs.Zstd,
	CompressionSnappy: compress.Codecs.Snappy,
	CompressionGzip:   compress.Codecs.Gzip,
	CompressionNone:   compress.Codecs.Uncompressed,
}

// parquetProps are the writer properties of a Parquet file of schema s:
// statistics on, a fixed created_by, no row-group cuts by the library
// (encodeParquet cuts), delta encoding for the monotone integer columns
// (offset, timestamp) and no dictionary for them and for the raw value,
// whose values rarely repeat. The envelope's other columns get one. A typed
// file gets a dictionary only for the top-level string columns whose values
// repeat in its first chunk (dictionaries): trying one on every column cost
// a third more CPU than writing them plain, and zstd made the file no
// larger without (BenchmarkEncodeTyped).
func parquetProps(r resolved, s *arrow.Schema, first arrow.RecordBatch, alloc memory.Allocator) *parquet.WriterProperties {
	level := compress.DefaultCompressionLevel
	if r.level != 0 {
		level = r.level
	}
	opts := []parquet.WriterProperty{
		parquet.WithAllocator(alloc),
		parquet.WithCompression(parquetCodecs[r.compression]),
		parquet.WithCompressionLevel(level),
		parquet.WithStats(true),
		parquet.WithCreatedBy(createdBy),
		parquet.WithVersion(parquet.V2_6),
		parquet.WithDataPageVersion(parquet.DataPageV1),
		parquet.WithMaxRowGroupLength(math.MaxInt64),
	}
	for _, c := range []string{columnNamed(s, MetaOffsetColumn, "offset"), columnNamed(s, MetaTimestampColumn, "timestamp")} {
		if c != "" {
			opts = append(opts, parquet.WithDictionaryFor(c, false),
				parquet.WithEncodingFor(c, parquet.Encodings.DeltaBinaryPacked))
		}
	}
	if s.HasMetadata() { // a typed file
		opts = append(opts, parquet.WithDictionaryDefault(false))
		for _, c := range dictionaries(first) {
			opts = append(opts, parquet.WithDictionaryFor(c, true))
		}
	}
	if c := columnNamed(s, MetaValueColumn, "value"); c != "" {
		opts = append(opts, parquet.WithDictionaryFor(c, false), parquet.WithStatsFor(c, false))
	}
	return parquet.NewWriterProperties(opts...)
}

// encodeParquet writes the spill's records to w as one Parquet file and
// returns the number of rows.
func encodeParquet(ctx context.Context, sr Batches, w io.Writer, r resolved, alloc memory.Allocator) (rows int64, err error) {
	arrowProps := []pqarrow.WriterOption{pqarrow.WithAllocator(alloc)}
	if hasNanos(sr.Schema().Fields()) {
		// Spark and Athena read no nanosecond Parquet timestamps: every
		// timestamp of a file that has any is written in microseconds.
		arrowProps = append(arrowProps, pqarrow.WithCoerceTimestamps(arrow.Microsecond), pqarrow.WithTruncatedTimestamps(true))
	}
	// The writer is made with the first chunk: a typed file's dictionaries
	// are chosen from it (see dictionaries).
	var fw *pqarrow.FileWriter
	open := func(first arrow.RecordBatch) error {
		var err error
		fw, err = pqarrow.NewFileWriter(sr.Schema(), w, parquetProps(r, sr.Schema(), first, alloc),
			pqarrow.NewArrowWriterProperties(arrowProps...))
		if err != nil {
			return fmt.Errorf("creating parquet writer: %w", err)
		}
		return nil
	}
	closed := false
	defer func() {
		if fw != nil && !closed {
			_ = fw.Close() // releases the buffered row group; w is discarded anyway
		}
	}()

	var groupRows int64
	ch := chunker{alloc: alloc, emit: func(rec arrow.RecordBatch) error {
		if fw == nil {
			if err := open(rec); err != nil {
				return err
			}
		}
		if groupRows >= rowGroupRows || fw.RowGroupTotalBytesWritten() >= rowGroupBytes {
			if err := fw.NewBufferedRowGroupChecked(); err != nil {
				return err
			}
			groupRows = 0
		}
		groupRows += rec.NumRows()
		return fw.WriteBuffered(rec)
	}}
	defer ch.release()

	for batch := sr.Next(); batch != nil; batch = sr.Next() {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		rows += batch.NumRows()
		if err := ch.add(batch); err != nil {
			return 0, fmt.Errorf("writing parquet: %w", err)
		}
	}
	if err := sr.Err(); err != nil {
		return 0, err
	}
	if err := ch.flush(); err != nil {
		return 0, fmt.Errorf("writing parquet: %w", err)
	}
	if fw == nil { // no rows
		if err := open(nil); err != nil {
			return 0, err
		}
	}
	closed = true
	if err := fw.Close(); err != nil {
		return 0, fmt.Errorf("closing parquet file: %w", err)
	}
	return rows, nil
}

// hasNanos reports whether any of fields, at any depth, is a nanosecond
// timestamp.
func hasNanos(fields []arrow.Field) bool {
	for _, f := range fields {
		switch t := f.Type.(type) {
		case *arrow.TimestampType:
			if t.Unit == arrow.Nanosecond {
				return true
			}
		case *arrow.StructType:
			if hasNanos(t.Fields()) {
				return true
			}
		case arrow.ListLikeType:
			if hasNanos([]arrow.Field{t.ElemField()}) {
				return true
			}
		}
	}
	return false
}

// dictionaryShare is the most distinct values per row a string column's
// first chunk may have for the file to give it a dictionary.
const dictionaryShare = 0.25

// dictionaries names the top-level string columns of first (a typed file's
// first chunk, nil for none) whose values repeat: at most dictionaryShare
// distinct per row. A function of the file's own rows, like every choice
// of the encoder.
func dictionaries(first arrow.RecordBatch) []string {
	if first == nil || first.NumRows() == 0 {
		return nil
	}
	var out []string
	limit := int(float64(first.NumRows()) * dictionaryShare)
	for i, f := range first.Schema().Fields() {
		col, ok := first.Column(i).(*array.String)
		if !ok {
			continue
		}
		seen := make(map[string]struct{}, limit+1)
		for j := 0; j < col.Len() && len(seen) <= limit; j++ {
			if col.IsValid(j) {
				seen[col.Value(j)] = struct{}{}
			}
		}
		if len(seen) <= limit {
			out = append(out, f.Name)
		}
	}
	return out
}
