package verify

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/valyala/fastjson"

	"github.com/sluicehq/sluice/stages/format"
	"github.com/sluicehq/sluice/transport/objstore"
)

// ErrCorrupt means an object could not be decoded or lacks the offset
// column.
var ErrCorrupt = errors.New("corrupt object")

// batchSize is how many offsets a Parquet read decodes at a time.
const batchSize = 8192

// maxLine bounds one JSON line (one record) in bytes.
const maxLine = 256 << 20

// row is what the verifier reads of one record. Parquet and Avro objects
// yield only the offset (topic and partition come from the name, hasLane is
// false);
// JSON lines carry all three.
type row struct {
	topic     string
	partition int32
	offset    int64
	hasLane   bool
}

// jsonlRow reads an envelope line's topic, partition and offset, or a
// typed line's offset under offsetCol.
func jsonlRow(v *fastjson.Value, offsetCol string) (row, error) {
	if v.Type() != fastjson.TypeObject {
		return row{}, errors.New("is not a JSON object")
	}
	if o := v.Get(offsetCol); o != nil {
		off, err := o.Int64()
		if err != nil {
			return row{}, fmt.Errorf("has %s %s, not an offset", offsetCol, o)
		}
		return row{offset: off}, nil
	}
	topic, off, part := v.Get("topic"), v.Get("offset"), v.Get("partition")
	if topic == nil || off == nil || part == nil {
		return row{}, fmt.Errorf("lacks topic, partition and offset (or %s)", offsetCol)
	}
	t, err1 := topic.StringBytes()
	o, err2 := off.Int64()
	pn, err3 := part.Int()
	if err := errors.Join(err1, err2, err3); err != nil || pn < math.MinInt32 || pn > math.MaxInt32 {
		return row{}, fmt.Errorf("has a wrong topic, partition or offset: %v", err)
	}
	return row{topic: string(t), partition: int32(pn), offset: o, hasLane: true}, nil
}

// readOffsets streams the offsets of the object key (named n) to fn.
// tmpDir holds a spooled copy of a Parquet object when the store's reader
// cannot seek; offsetCol names the offset of typed JSON lines.
func readOffsets(ctx context.Context, st objstore.Store, key string, n Name, tmpDir, offsetCol string, fn func(row) error) error {
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
	if n.Ext == "avro" {
		if err := readAvro(rc, fn); err != nil {
			return fmt.Errorf("reading %q: %w", key, err)
		}
		return nil
	}
	if err := readJSONL(rc, n.Ext, offsetCol, fn); err != nil {
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
	name := "offset"
	if v := rdr.MetaData().KeyValueMetadata().FindValue(format.MetaOffsetColumn); v != nil {
		name = *v // a typed file names its offset column
	}
	col := rdr.MetaData().Schema.ColumnIndexByName(name)
	if col < 0 {
		return fmt.Errorf("%w: no offset column %q", ErrCorrupt, name)
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

// readJSONL streams JSON lines, decoding only topic, partition and offset
// (envelope lines), or the offset under offsetCol (typed lines).
func readJSONL(r io.Reader, ext, offsetCol string, fn func(row) error) error {
	rc, err := format.Decompress(r, format.CompressionOf(ext))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	defer rc.Close()
	r = rc
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var p fastjson.Parser
	for line := 1; sc.Scan(); line++ {
		v, err := p.ParseBytes(sc.Bytes())
		if err != nil {
			return fmt.Errorf("%w: line %d: %w", ErrCorrupt, line, err)
		}
		r, err := jsonlRow(v, offsetCol)
		if err != nil {
			return fmt.Errorf("%w: line %d %w", ErrCorrupt, line, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return nil
}
