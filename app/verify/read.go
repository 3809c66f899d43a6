package verify

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/klauspost/compress/zstd"

	"github.com/sluicehq/sluice/transport/objstore"
)

// ErrCorrupt means an object could not be decoded or lacks the offset
// column.
var ErrCorrupt = errors.New("corrupt object")

// batchSize is how many offsets a Parquet read decodes at a time.
const batchSize = 8192

// maxLine bounds one JSON line (one record) in bytes.
const maxLine = 256 << 20

// row is what the verifier reads of one record. Parquet objects yield only
// the offset (topic and partition come from the name, hasLane is false);
// JSON lines carry all three.
type row struct {
	topic     string
	partition int32
	offset    int64
	hasLane   bool
}

// jsonRow is the part of a JSON line the verifier decodes.
type jsonRow struct {
	Topic     *string `json:"topic"`
	Partition *int32  `json:"partition"`
	Offset    *int64  `json:"offset"`
}

// readOffsets streams the offsets of the object key (named n) to fn.
// tmpDir holds a spooled copy of a Parquet object when the store's reader
// cannot seek.
func readOffsets(ctx context.Context, st objstore.Store, key string, n Name, tmpDir string, fn func(row) error) error {
	rc, err := st.Open(ctx, key)
	if err != nil {
		return fmt.Errorf("opening %q: %w", key, err)
	}
	defer rc.Close()
	if n.Ext == "parquet" {
		ra, cleanup, err := seekable(rc, tmpDir)
		if err != nil {
			return fmt.Errorf("spooling %q: %w", key, err)
		}
		defer cleanup()
		if err := readParquet(ra, fn); err != nil {
			return fmt.Errorf("reading %q: %w", key, err)
		}
		return nil
	}
	if err := readJSONL(rc, n.Ext, fn); err != nil {
		return fmt.Errorf("reading %q: %w", key, err)
	}
	return nil
}

// seekable returns r itself when it can seek (the file store), else a
// temporary copy of it on disk, removed by cleanup.
func seekable(r io.Reader, tmpDir string) (parquet.ReaderAtSeeker, func(), error) {
	if ra, ok := r.(parquet.ReaderAtSeeker); ok {
		return ra, func() {}, nil
	}
	f, err := os.CreateTemp(tmpDir, "sluice-verify-*.parquet")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { _ = f.Close(); _ = os.Remove(f.Name()) }
	if _, err := io.Copy(f, r); err != nil {
		cleanup()
		return nil, nil, err
	}
	return f, cleanup, nil
}

// readParquet reads only the offset column, row group by row group.
func readParquet(ra parquet.ReaderAtSeeker, fn func(row) error) error {
	props := parquet.NewReaderProperties(nil)
	props.BufferedStreamEnabled = true
	rdr, err := file.NewParquetReader(ra, file.WithReadProps(props))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	defer rdr.Close()
	col := rdr.MetaData().Schema.ColumnIndexByName("offset")
	if col < 0 {
		return fmt.Errorf("%w: no offset column", ErrCorrupt)
	}
	values := make([]int64, batchSize)
	defs := make([]int16, batchSize)
	for g := range rdr.NumRowGroups() {
		cc, err := rdr.RowGroup(g).Column(col)
		if err != nil {
			return fmt.Errorf("%w: row group %d: %w", ErrCorrupt, g, err)
		}
		cr, ok := cc.(*file.Int64ColumnChunkReader)
		if !ok {
			return fmt.Errorf("%w: offset column is %s, want int64", ErrCorrupt, cc.Type())
		}
		for cr.HasNext() {
			_, n, err := cr.ReadBatch(batchSize, values, defs, nil)
			if err != nil {
				return fmt.Errorf("%w: row group %d: %w", ErrCorrupt, g, err)
			}
			for _, off := range values[:n] {
				if err := fn(row{offset: off}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// readJSONL streams JSON lines, decoding only topic, partition and offset.
func readJSONL(r io.Reader, ext string, fn func(row) error) error {
	switch ext {
	case "jsonl.gz":
		gz, err := gzip.NewReader(r)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		defer gz.Close()
		r = gz
	case "jsonl.zst":
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		defer zr.Close()
		r = zr
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	for line := 1; sc.Scan(); line++ {
		var jr jsonRow
		if err := json.Unmarshal(sc.Bytes(), &jr); err != nil {
			return fmt.Errorf("%w: line %d: %w", ErrCorrupt, line, err)
		}
		if jr.Offset == nil || jr.Topic == nil || jr.Partition == nil {
			return fmt.Errorf("%w: line %d lacks topic, partition or offset", ErrCorrupt, line)
		}
		if err := fn(row{topic: *jr.Topic, partition: *jr.Partition, offset: *jr.Offset, hasLane: true}); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return nil
}
