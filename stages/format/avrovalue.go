package format

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
)

// avroEnc appends the Avro binary encoding of row i of the array it was
// bound to. Encoders are built per batch (bindAvro), with no reflection
// per value; they follow the mapping of avroBaseType.
type avroEnc func(dst []byte, i int) []byte

// avroBinder builds encoders and keeps the first problem a value had (a
// null where the field is not nullable, a dictionary index out of range):
// the row that had it is not written, the encoding fails.
type avroBinder struct {
	err error
}

// fail records a problem of row i at path.
func (b *avroBinder) fail(path []string, i int, what string) {
	if b.err == nil {
		b.err = fmt.Errorf("%w: column %s, row %d: %s", ErrCorruptSpill, strings.Join(path, "."), i, what)
	}
}

// bindRow returns the encoder of whole rows of batch, whose schema
// avroSchemaJSON accepted.
func (b *avroBinder) bindRow(batch arrow.RecordBatch) (avroEnc, error) {
	fields := batch.Schema().Fields()
	encs := make([]avroEnc, len(fields))
	for i, f := range fields {
		e, err := b.bind([]string{f.Name}, f.Nullable, batch.Column(i))
		if err != nil {
			return nil, err
		}
		encs[i] = e
	}
	return func(dst []byte, i int) []byte {
		for _, e := range encs {
			dst = e(dst, i)
		}
		return dst
	}, nil
}

// bind returns the encoder of the values of arr, written as a
// ["null", T] union when nullable.
func (b *avroBinder) bind(path []string, nullable bool, arr arrow.Array) (avroEnc, error) {
	e, err := b.bindBase(path, arr)
	if err != nil || arr.DataType().ID() == arrow.NULL {
		return e, err
	}
	isNull := arr.IsNull
	if d, ok := arr.(*array.Dictionary); ok {
		dict := d.Dictionary()
		isNull = func(i int) bool {
			j := d.GetValueIndex(i)
			return d.IsNull(i) || j >= 0 && j < dict.Len() && dict.IsNull(j)
		}
	} else if arr.NullN() == 0 {
		isNull = nil
	}
	switch {
	case nullable && isNull == nil:
		return func(dst []byte, i int) []byte { return e(append(dst, 2), i) }, nil
	case nullable:
		return func(dst []byte, i int) []byte {
			if isNull(i) {
				return append(dst, 0)
			}
			return e(append(dst, 2), i)
		}, nil
	case isNull != nil:
		return func(dst []byte, i int) []byte {
			if isNull(i) {
				b.fail(path, i, "null in a field that is not nullable")
				return dst
			}
			return e(dst, i)
		}, nil
	}
	return e, nil
}

// values are Arrow arrays of fixed-width numbers.
type values[T any] interface{ Values() []T }

// bindBase returns the encoder of the non-null values of arr.
func (b *avroBinder) bindBase(path []string, arr arrow.Array) (avroEnc, error) {
	switch a := arr.(type) {
	case *array.Null:
		return func(dst []byte, _ int) []byte { return dst }, nil
	case *array.Boolean:
		return func(dst []byte, i int) []byte {
			if a.Value(i) {
				return append(dst, 1)
			}
			return append(dst, 0)
		}, nil
	case *array.Int8:
		return intEnc(a), nil
	case *array.Int16:
		return intEnc(a), nil
	case *array.Int32:
		return intEnc(a), nil
	case *array.Int64:
		return intEnc(a), nil
	case *array.Uint8:
		return intEnc(a), nil
	case *array.Uint16:
		return intEnc(a), nil
	case *array.Uint32:
		return intEnc(a), nil
	case *array.Uint64:
		vs := a.Values()
		return func(dst []byte, i int) []byte {
			var be [9]byte
			binary.BigEndian.PutUint64(be[1:], vs[i])
			return appendTwosComplement(dst, be[:])
		}, nil
	case *array.Float16:
		return func(dst []byte, i int) []byte {
			return binary.LittleEndian.AppendUint32(dst, math.Float32bits(a.Value(i).Float32()))
		}, nil
	case *array.Float32:
		vs := a.Values()
		return func(dst []byte, i int) []byte {
			return binary.LittleEndian.AppendUint32(dst, math.Float32bits(vs[i]))
		}, nil
	case *array.Float64:
		vs := a.Values()
		return func(dst []byte, i int) []byte {
			return binary.LittleEndian.AppendUint64(dst, math.Float64bits(vs[i]))
		}, nil
	case *array.String:
		return stringEnc(a), nil
	case *array.LargeString:
		return stringEnc(a), nil
	case *array.StringView:
		return stringEnc(a), nil
	case *array.Binary:
		return bytesEnc(a), nil
	case *array.LargeBinary:
		return bytesEnc(a), nil
	case *array.BinaryView:
		return bytesEnc(a), nil
	case *array.FixedSizeBinary:
		return func(dst []byte, i int) []byte { return append(dst, a.Value(i)...) }, nil
	case *array.Decimal32:
		return func(dst []byte, i int) []byte {
			var be [4]byte
			binary.BigEndian.PutUint32(be[:], uint32(a.Value(i)))
			return appendTwosComplement(dst, be[:])
		}, nil
	case *array.Decimal64:
		return func(dst []byte, i int) []byte {
			var be [8]byte
			binary.BigEndian.PutUint64(be[:], uint64(a.Value(i)))
			return appendTwosComplement(dst, be[:])
		}, nil
	case *array.Decimal128:
		return func(dst []byte, i int) []byte { return appendDecimal128(dst, a.Value(i)) }, nil
	case *array.Decimal256:
		return func(dst []byte, i int) []byte { return appendDecimal256(dst, a.Value(i)) }, nil
	case *array.Date32:
		return intEnc(a), nil
	case *array.Date64:
		vs := a.Values()
		return func(dst []byte, i int) []byte {
			return binary.AppendVarint(dst, floorDiv(int64(vs[i]), 86_400_000))
		}, nil
	case *array.Time32:
		scale := int64(1)
		if a.DataType().(*arrow.Time32Type).Unit == arrow.Second {
			scale = 1000
		}
		vs := a.Values()
		return func(dst []byte, i int) []byte { return binary.AppendVarint(dst, int64(vs[i])*scale) }, nil
	case *array.Time64:
		return intEnc(a), nil
	case *array.Timestamp:
		scale := int64(1)
		if a.DataType().(*arrow.TimestampType).Unit == arrow.Second {
			scale = 1000
		}
		vs := a.Values()
		return func(dst []byte, i int) []byte { return binary.AppendVarint(dst, int64(vs[i])*scale) }, nil
	case *array.Struct:
		return b.bindStruct(path, a)
	case *array.Map:
		if stringLike(a.DataType().(*arrow.MapType).KeyType()) {
			return b.bindMap(path, a)
		}
		return b.bindList(path, a)
	case array.ListLike:
		return b.bindList(path, a)
	case *array.Dictionary:
		return b.bindDictionary(path, a)
	}
	return nil, fmt.Errorf("%w: column %s: Arrow type %s has no Avro mapping", ErrUnsupported, strings.Join(path, "."), arr.DataType())
}

// intEnc writes fixed-width integers as Avro int or long.
func intEnc[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | arrow.Date32 | arrow.Time64](a values[T]) avroEnc {
	vs := a.Values()
	return func(dst []byte, i int) []byte { return binary.AppendVarint(dst, int64(vs[i])) }
}

// stringEnc writes strings.
func stringEnc(a interface{ Value(int) string }) avroEnc {
	return func(dst []byte, i int) []byte {
		s := a.Value(i)
		return append(binary.AppendVarint(dst, int64(len(s))), s...)
	}
}

// bytesEnc writes byte strings.
func bytesEnc(a interface{ Value(int) []byte }) avroEnc {
	return func(dst []byte, i int) []byte {
		v := a.Value(i)
		return append(binary.AppendVarint(dst, int64(len(v))), v...)
	}
}

// child is path extended by name, not sharing path's backing array.
func child(path []string, name string) []string {
	return append(path[:len(path):len(path)], name)
}

func (b *avroBinder) bindStruct(path []string, a *array.Struct) (avroEnc, error) {
	st := a.DataType().(*arrow.StructType)
	encs := make([]avroEnc, a.NumField())
	for k := range encs {
		f := st.Field(k)
		e, err := b.bind(child(path, f.Name), f.Nullable, a.Field(k))
		if err != nil {
			return nil, err
		}
		encs[k] = e
	}
	return func(dst []byte, i int) []byte {
		for _, e := range encs {
			dst = e(dst, i)
		}
		return dst
	}, nil
}

// bindList writes a list as one Avro array block (count, items, 0).
func (b *avroBinder) bindList(path []string, a array.ListLike) (avroEnc, error) {
	elem := a.DataType().(arrow.ListLikeType).ElemField()
	items, err := b.bind(child(path, "item"), elem.Nullable, a.ListValues())
	if err != nil {
		return nil, err
	}
	n := a.ListValues().Len()
	return func(dst []byte, i int) []byte {
		start, end := a.ValueOffsets(i)
		if start < 0 || end > int64(n) || start > end {
			b.fail(path, i, "list offsets out of range")
			return dst
		}
		if end > start {
			dst = binary.AppendVarint(dst, end-start)
			for j := start; j < end; j++ {
				dst = items(dst, int(j))
			}
		}
		return append(dst, 0)
	}, nil
}

// bindMap writes a map with string keys as one Avro map block.
func (b *avroBinder) bindMap(path []string, a *array.Map) (avroEnc, error) {
	mt := a.DataType().(*arrow.MapType)
	keys, err := b.bind(child(path, "key"), false, a.Keys())
	if err != nil {
		return nil, err
	}
	vals, err := b.bind(child(path, "value"), mt.ItemField().Nullable, a.Items())
	if err != nil {
		return nil, err
	}
	n := min(a.Keys().Len(), a.Items().Len())
	return func(dst []byte, i int) []byte {
		start, end := a.ValueOffsets(i)
		if start < 0 || end > int64(n) || start > end {
			b.fail(path, i, "map offsets out of range")
			return dst
		}
		if end > start {
			dst = binary.AppendVarint(dst, end-start)
			for j := int(start); j < int(end); j++ {
				dst = vals(keys(dst, j), j)
			}
		}
		return append(dst, 0)
	}, nil
}

// bindDictionary writes a dictionary's values.
func (b *avroBinder) bindDictionary(path []string, a *array.Dictionary) (avroEnc, error) {
	dict := a.Dictionary()
	// Nulls are the caller's (bind's isNull looks through the indices).
	inner, err := b.bindBase(path, dict)
	if err != nil {
		return nil, err
	}
	n := dict.Len()
	return func(dst []byte, i int) []byte {
		j := a.GetValueIndex(i)
		if j < 0 || j >= n {
			b.fail(path, i, "dictionary index out of range")
			return dst
		}
		return inner(dst, j)
	}, nil
}

// appendDecimal128 writes n as Avro decimal bytes.
func appendDecimal128(dst []byte, n decimal128.Num) []byte {
	var be [16]byte
	binary.BigEndian.PutUint64(be[:8], uint64(n.HighBits()))
	binary.BigEndian.PutUint64(be[8:], n.LowBits())
	return appendTwosComplement(dst, be[:])
}

// appendDecimal256 writes n as Avro decimal bytes.
func appendDecimal256(dst []byte, n decimal256.Num) []byte {
	var be [32]byte
	words := n.Array() // least significant first
	for k, w := range words {
		binary.BigEndian.PutUint64(be[24-8*k:], w)
	}
	return appendTwosComplement(dst, be[:])
}

// appendTwosComplement writes the big-endian two's complement number be as
// Avro bytes, without the leading bytes that only repeat its sign.
func appendTwosComplement(dst, be []byte) []byte {
	k := 0
	for k < len(be)-1 && (be[k] == 0 && be[k+1] < 0x80 || be[k] == 0xff && be[k+1] >= 0x80) {
		k++
	}
	return append(binary.AppendVarint(dst, int64(len(be)-k)), be[k:]...)
}

// floorDiv is a / b rounded down.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
