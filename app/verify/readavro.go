package verify

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"reflect"

	"github.com/golang/snappy"
	"github.com/hamba/avro/v2"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zstd"

	"github.com/sluicehq/sluice/stages/format"
)

// Avro object container files are read here block by block: the container
// (header, block counts and sizes, sync markers) by readAvro itself, so that
// a damaged size cannot make it allocate more than maxAvroBlock, and each
// block's records by hamba/avro, decoding only the offset field.
const (
	// maxAvroBlock bounds a block, compressed or not, like maxLine bounds a
	// JSON line: sluice's blocks hold 1 MiB, or one larger record.
	maxAvroBlock = maxLine
	// maxAvroMeta bounds one header metadata value (the schemas).
	maxAvroMeta = 64 << 20
	// offsetColumnKey is the header metadata naming the offset column
	// (format.MetaOffsetColumn); "offset" when absent.
	offsetColumnKey = format.MetaOffsetColumn
)

// avroReader reads the container of one file.
type avroReader struct {
	r    *bufio.Reader
	sync [16]byte
}

// long reads an Avro long (a zigzag varint, as encoding/binary's Varint).
func (a *avroReader) long() (int64, error) {
	n, err := binary.ReadVarint(a.r)
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// bytes reads an Avro bytes value of at most limit bytes.
func (a *avroReader) bytes(limit int64) ([]byte, error) {
	n, err := a.long()
	if err != nil {
		return nil, err
	}
	if n < 0 || n > limit {
		return nil, fmt.Errorf("a length of %d bytes (at most %d)", n, limit)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(a.r, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// header reads the magic, metadata and sync marker.
func (a *avroReader) header() (map[string][]byte, error) {
	var magic [4]byte
	if _, err := io.ReadFull(a.r, magic[:]); err != nil || magic != [4]byte{'O', 'b', 'j', 1} {
		return nil, errors.New("not an Avro object container file")
	}
	meta := map[string][]byte{}
	for {
		count, err := a.long()
		if err != nil {
			return nil, err
		}
		if count == 0 {
			break
		}
		if count < 0 { // a block of -count entries, its size first
			count = -count
			if _, err := a.long(); err != nil {
				return nil, err
			}
		}
		for range count {
			k, err := a.bytes(maxAvroMeta)
			if err != nil {
				return nil, err
			}
			v, err := a.bytes(maxAvroMeta)
			if err != nil {
				return nil, err
			}
			meta[string(k)] = v
		}
	}
	if _, err := io.ReadFull(a.r, a.sync[:]); err != nil {
		return nil, err
	}
	return meta, nil
}

// block reads the next block: its record count and its compressed bytes;
// count is 0 at the end of the file.
func (a *avroReader) block() (count int64, data []byte, err error) {
	if _, err := a.r.Peek(1); errors.Is(err, io.EOF) {
		return 0, nil, nil
	}
	if count, err = a.long(); err != nil {
		return 0, nil, err
	}
	if count <= 0 {
		return 0, nil, fmt.Errorf("a block of %d records", count)
	}
	if data, err = a.bytes(maxAvroBlock); err != nil {
		return 0, nil, err
	}
	var sync [16]byte
	if _, err := io.ReadFull(a.r, sync[:]); err != nil {
		return 0, nil, err
	}
	if sync != a.sync {
		return 0, nil, errors.New("a block does not end in the file's sync marker")
	}
	return count, data, nil
}

// avroCodec returns the decompressor of the codec named name.
func avroCodec(name string) (func([]byte) ([]byte, error), func(), error) {
	switch name {
	case "", "null":
		return func(b []byte) ([]byte, error) { return b, nil }, func() {}, nil
	case "deflate":
		return func(b []byte) ([]byte, error) {
			fr := flate.NewReader(bytes.NewReader(b))
			defer fr.Close()
			return readLimited(fr)
		}, func() {}, nil
	case "snappy":
		return func(b []byte) ([]byte, error) {
			if len(b) < 4 {
				return nil, errors.New("a snappy block without its checksum")
			}
			n, err := snappy.DecodedLen(b[:len(b)-4])
			if err != nil {
				return nil, err
			}
			if n > maxAvroBlock {
				return nil, fmt.Errorf("a block of %d bytes (at most %d)", n, maxAvroBlock)
			}
			out, err := snappy.Decode(nil, b[:len(b)-4])
			if err != nil {
				return nil, err
			}
			if crc32.ChecksumIEEE(out) != binary.BigEndian.Uint32(b[len(b)-4:]) {
				return nil, errors.New("a snappy block's checksum does not match")
			}
			return out, nil
		}, func() {}, nil
	case "zstandard":
		zr, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxAvroBlock))
		if err != nil {
			return nil, nil, err
		}
		return func(b []byte) ([]byte, error) { return zr.DecodeAll(b, nil) }, zr.Close, nil
	}
	return nil, nil, fmt.Errorf("unknown codec %q", name)
}

// readLimited reads r to its end, at most maxAvroBlock bytes.
func readLimited(r io.Reader) ([]byte, error) {
	out, err := io.ReadAll(io.LimitReader(r, maxAvroBlock+1))
	if err == nil && len(out) > maxAvroBlock {
		err = fmt.Errorf("a block of more than %d bytes", maxAvroBlock)
	}
	return out, err
}

// offsetField checks that the records of schema have a long field named
// col and returns a pointer to a struct that decodes only that field.
func offsetField(schema avro.Schema, col string) (reflect.Value, error) {
	rec, ok := schema.(*avro.RecordSchema)
	if !ok {
		return reflect.Value{}, fmt.Errorf("the file's schema is a %s, not a record", schema.Type())
	}
	for _, f := range rec.Fields() {
		if f.Name() != col {
			continue
		}
		if f.Type().Type() != avro.Long {
			return reflect.Value{}, fmt.Errorf("offset column %q is %s, want long", col, f.Type().Type())
		}
		typ := reflect.StructOf([]reflect.StructField{{
			Name: "Offset", Type: reflect.TypeFor[int64](), Tag: reflect.StructTag(`avro:"` + col + `"`),
		}})
		return reflect.New(typ), nil
	}
	return reflect.Value{}, fmt.Errorf("no offset column %q", col)
}

// readAvro streams the offsets of an Avro object container file, read
// from the column its header names ("sluice.offset_column", else
// "offset").
func readAvro(r io.Reader, fn func(row) error) (err error) {
	// hamba/avro trusts what it decodes; damaged records must not crash
	// the verifier.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: decoding avro: %v", ErrCorrupt, p)
		}
	}()
	ar := &avroReader{r: bufio.NewReaderSize(r, 64<<10)}
	meta, err := ar.header()
	if err != nil {
		return fmt.Errorf("%w: avro header: %w", ErrCorrupt, err)
	}
	schema, err := avro.ParseBytesWithCache(meta["avro.schema"], "", &avro.SchemaCache{})
	if err != nil {
		return fmt.Errorf("%w: avro schema: %w", ErrCorrupt, err)
	}
	col := "offset"
	if c, ok := meta[offsetColumnKey]; ok {
		col = string(c)
	}
	target, err := offsetField(schema, col)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	decompress, closeCodec, err := avroCodec(string(meta["avro.codec"]))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	defer closeCodec()
	ptr, offset := target.Interface(), target.Elem().Field(0)
	for n := 1; ; n++ {
		count, data, err := ar.block()
		if err != nil {
			return fmt.Errorf("%w: avro block %d: %w", ErrCorrupt, n, err)
		}
		if count == 0 {
			return nil
		}
		if data, err = decompress(data); err != nil {
			return fmt.Errorf("%w: avro block %d: %w", ErrCorrupt, n, err)
		}
		if count > int64(len(data)) { // every record holds its offset
			return fmt.Errorf("%w: avro block %d: %d records in %d bytes", ErrCorrupt, n, count, len(data))
		}
		dec := avro.NewDecoderForSchema(schema, bytes.NewReader(data))
		for range count {
			if err := dec.Decode(ptr); err != nil {
				return fmt.Errorf("%w: avro block %d: %w", ErrCorrupt, n, err)
			}
			if err := fn(row{offset: offset.Int()}); err != nil {
				return err
			}
		}
	}
}
