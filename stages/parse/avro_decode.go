package parse

import (
	"errors"
	"fmt"
	"math/big"
	"math/bits"
	"sync"
	"time"

	"github.com/hamba/avro/v2"
)

// Decoding Avro binary: hamba/avro's Reader reads the primitives (varints,
// lengths, IEEE floats) with its bounds checks; the compiled tree of
// avroNodes turns them into the Go values model.Schema lists, in one pass
// and without reflection.

// maxZeroWidthItems bounds the items of arrays and maps whose values take
// no bytes (nulls): every other item takes at least one byte, so a record
// holds at most its length of them. A value's arrays and maps together hold
// at most its length plus this many items.
const maxZeroWidthItems = 4096

// avroDecoder is the state of one decoding: the reader and how many items
// arrays and maps may still hold.
type avroDecoder struct {
	r      *avro.Reader
	budget int
}

// errItems is the error of arrays and maps that claim more items than the
// bytes can hold.
var errItems = errors.New("arrays and maps claim more items than the bytes hold")

// readerPools hold readers by the size class of the bytes they read
// (bits.Len of the length): a reader's configuration caps the strings and
// byte arrays it allocates, and a length prefix can claim at most twice the
// record's size, whatever garbage it holds.
var readerPools [64]struct {
	once sync.Once
	cfg  avro.API
	pool sync.Pool
}

// getReader returns a reader over data, from the pool of its size class.
func getReader(data []byte) (*avro.Reader, int) {
	class := bits.Len(uint(len(data)))
	p := &readerPools[class]
	p.once.Do(func() {
		p.cfg = avro.Config{MaxByteSliceSize: max(1<<class, 16)}.Freeze()
	})
	r, _ := p.pool.Get().(*avro.Reader)
	if r == nil {
		r = avro.NewReader(nil, 0, avro.WithReaderConfig(p.cfg))
	}
	r.Reset(data)
	r.Error = nil
	return r, class
}

// putReader returns a reader to its pool.
func putReader(r *avro.Reader, class int) {
	r.Reset(nil)
	r.Error = nil
	readerPools[class].pool.Put(r)
}

// decode decodes one value of s from data, which it must use up.
func (s *avroSchema) decode(data []byte) (map[string]any, error) {
	r, class := getReader(data)
	defer putReader(r, class)
	d := avroDecoder{r: r, budget: len(data) + maxZeroWidthItems}
	v, err := d.read(s.root)
	if err == nil && r.Error != nil {
		err = r.Error
	}
	if err != nil {
		return nil, err
	}
	if r.Peek(); r.Error == nil {
		return nil, errors.New("bytes left over after the value")
	}
	if s.wrapped {
		return map[string]any{"value": v}, nil
	}
	return v.(map[string]any), nil
}

// read reads a value of n.
func (d *avroDecoder) read(n *avroNode) (any, error) {
	r := d.r
	switch n.kind {
	case avroNull:
		return nil, nil
	case avroBool:
		return r.ReadBool(), r.Error
	case avroInt:
		return int64(r.ReadInt()), r.Error
	case avroLong:
		return r.ReadLong(), r.Error
	case avroFloat:
		return float64(r.ReadFloat()), r.Error
	case avroDouble:
		return r.ReadDouble(), r.Error
	case avroString:
		return r.ReadString(), r.Error
	case avroBytes:
		return r.ReadBytes(), r.Error
	case avroFixed:
		b := make([]byte, n.size)
		r.Read(b)
		return b, r.Error
	case avroDecimalBytes:
		return decimalRat(r.ReadBytes(), n.scale), r.Error
	case avroDecimalFixed:
		b := make([]byte, n.size)
		r.Read(b)
		return decimalRat(b, n.scale), r.Error
	case avroDate:
		return time.Unix(int64(r.ReadInt())*86400, 0).UTC(), r.Error
	case avroTimeMillis:
		return time.Duration(r.ReadInt()) * time.Millisecond, r.Error
	case avroTimeMicros:
		return time.Duration(r.ReadLong()) * time.Microsecond, r.Error
	case avroTimestampMillis:
		ms := r.ReadLong()
		return time.UnixMilli(ms).UTC(), r.Error
	case avroTimestampMicros:
		us := r.ReadLong()
		return time.UnixMicro(us).UTC(), r.Error
	case avroEnum:
		i := r.ReadInt()
		if r.Error != nil {
			return nil, r.Error
		}
		if i < 0 || int(i) >= len(n.symbols) {
			return nil, fmt.Errorf("enum index %d out of range (%d symbols)", i, len(n.symbols))
		}
		return n.symbols[i], nil
	case avroRecord:
		m := make(map[string]any, len(n.children))
		for i, c := range n.children {
			v, err := d.read(c)
			if err != nil {
				return nil, err
			}
			m[n.names[i]] = v
		}
		return m, nil
	case avroArray:
		return d.array(n.children[0])
	case avroMap:
		return d.dict(n.children[0])
	case avroBranch, avroUnion:
		return d.union(n)
	}
	return nil, fmt.Errorf("unknown node kind %d", n.kind)
}

// union reads a union's branch index and value.
func (d *avroDecoder) union(n *avroNode) (any, error) {
	i := d.r.ReadLong()
	if d.r.Error != nil {
		return nil, d.r.Error
	}
	if i < 0 || i >= int64(len(n.children)) {
		return nil, fmt.Errorf("union index %d out of range (%d branches)", i, len(n.children))
	}
	c := n.children[i]
	if c == nil {
		return nil, nil
	}
	v, err := d.read(c)
	if err != nil || n.kind == avroBranch {
		return v, err
	}
	return map[string]any{n.names[i]: v}, nil
}

// blocks reads the blocks of an array or map, calling item for each item.
// Items of every array and map of the value count against one budget.
func (d *avroDecoder) blocks(item func() error) error {
	for {
		count, _ := d.r.ReadBlockHeader()
		if d.r.Error != nil {
			return d.r.Error
		}
		if count == 0 {
			return nil
		}
		if count < 0 || count > int64(d.budget) {
			return errItems
		}
		d.budget -= int(count)
		for range count {
			if err := item(); err != nil {
				return err
			}
		}
	}
}

// array reads an array of items.
func (d *avroDecoder) array(item *avroNode) (any, error) {
	out := []any{}
	err := d.blocks(func() error {
		v, err := d.read(item)
		out = append(out, v)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// dict reads a map.
func (d *avroDecoder) dict(val *avroNode) (any, error) {
	out := map[string]any{}
	err := d.blocks(func() error {
		k := d.r.ReadString()
		if d.r.Error != nil {
			return d.r.Error
		}
		v, err := d.read(val)
		out[k] = v
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// decimalRat reads a big-endian two's-complement unscaled decimal into a
// rational, divided by scale (10^scale).
func decimalRat(b []byte, scale *big.Int) *big.Rat {
	i := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		i.Sub(i, new(big.Int).Lsh(big.NewInt(1), uint(len(b))*8))
	}
	return new(big.Rat).SetFrac(i, scale)
}
