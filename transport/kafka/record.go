package kafka

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/sluicehq/sluice/model"
)

// metaRecord is the metadata key holding a record's Kafka fields, encoded
// compactly: one map entry per message and no context lookups to read it
// back (the per-record path is hot).
const metaRecord = "kafka_record"

// ErrNotKafka is returned by RecordFrom for a message that did not come from
// the Unmarshaler.
var ErrNotKafka = errors.New("message did not come from the kafka subscriber")

// Unmarshaler turns a Kafka record into a Watermill message losslessly: the
// value is the payload; topic, partition, offset, timestamp, key (nil and
// empty kept apart) and headers (order and repeated keys kept) travel in one
// metadata entry.
type Unmarshaler struct{}

// Unmarshal implements watermill-kafka's Unmarshaler.
func (Unmarshaler) Unmarshal(m *sarama.ConsumerMessage) (*message.Message, error) {
	uuid := m.Topic + "-" + strconv.Itoa(int(m.Partition)) + "-" + strconv.FormatInt(m.Offset, 10)
	msg := message.NewMessage(uuid, m.Value)
	msg.Metadata.Set(metaRecord, encodeRecord(m)) // the map NewMessage made
	return msg, nil
}

// RecordFrom rebuilds the Kafka record carried by a message from the
// Subscriber. The record's slices alias the message.
func RecordFrom(msg *message.Message) (model.Record, error) {
	enc, ok := msg.Metadata[metaRecord]
	if !ok {
		return model.Record{}, ErrNotKafka
	}
	rec, err := decodeRecord(enc)
	if err != nil {
		return model.Record{}, fmt.Errorf("decoding kafka fields of %s: %w", msg.UUID, err)
	}
	rec.Value = msg.Payload
	return rec, nil
}

// encodeRecord writes topic, partition, offset, timestamp (ms), key and
// headers: uvarint-length-prefixed topic, varints, key as uvarint len+1 (0 for
// nil) and bytes, then the headers as encodeHeaders writes them.
func encodeRecord(m *sarama.ConsumerMessage) string {
	n := len(m.Topic) + len(m.Key) + 4*binary.MaxVarintLen64
	for _, h := range m.Headers {
		n += len(h.Key) + len(h.Value) + 2*binary.MaxVarintLen32
	}
	// Appended into a strings.Builder, so that the string is the buffer, not
	// a copy of it.
	var sb strings.Builder
	sb.Grow(n)
	var tmp [binary.MaxVarintLen64]byte
	sb.Write(binary.AppendUvarint(tmp[:0], uint64(len(m.Topic))))
	sb.WriteString(m.Topic)
	sb.Write(binary.AppendVarint(tmp[:0], int64(m.Partition)))
	sb.Write(binary.AppendVarint(tmp[:0], m.Offset))
	ts := int64(0)
	if !m.Timestamp.IsZero() {
		ts = m.Timestamp.UnixMilli()
	}
	sb.Write(binary.AppendVarint(tmp[:0], ts))
	writeBytes(&sb, m.Key)
	writeHeaders(&sb, m.Headers)
	return sb.String()
}

// writeBytes writes v as uvarint len+1 and its bytes, or 0 for nil.
func writeBytes(sb *strings.Builder, v []byte) {
	var tmp [binary.MaxVarintLen64]byte
	if v == nil {
		sb.Write(binary.AppendUvarint(tmp[:0], 0))
		return
	}
	sb.Write(binary.AppendUvarint(tmp[:0], uint64(len(v))+1))
	sb.Write(v)
}

var errCorruptRecord = errors.New("corrupt record encoding")

// decodeRecord reads what encodeRecord wrote. It copies s once: the key and
// header values alias that copy, and the topic and header keys are cut from s
// itself, so a record costs one allocation besides its headers slice.
func decodeRecord(s string) (model.Record, error) {
	b := []byte(s)
	tl, n := binary.Uvarint(b)
	if n <= 0 || uint64(len(b)-n) < tl {
		return model.Record{}, errCorruptRecord
	}
	rec := model.Record{Topic: s[n : n+int(tl)]}
	off := n + int(tl)
	var vals [3]int64
	for i := range vals {
		v, n := binary.Varint(b[off:])
		if n <= 0 {
			return model.Record{}, errCorruptRecord
		}
		vals[i], off = v, off+n
	}
	rec.Partition, rec.Offset = int32(vals[0]), vals[1]
	rec.Timestamp = time.UnixMilli(vals[2]).UTC()
	key, rest, ok := readBytes(b[off:])
	if !ok {
		return model.Record{}, errCorruptRecord
	}
	rec.Key = key
	off = len(b) - len(rest)
	hs, err := headersFrom(s[off:], rest)
	if err != nil {
		return model.Record{}, err
	}
	rec.Headers = hs
	return rec, nil
}

// readBytes reads what writeBytes wrote.
func readBytes(b []byte) (v, rest []byte, ok bool) {
	l, n := binary.Uvarint(b)
	if n <= 0 || (l > 0 && uint64(len(b)-n) < l-1) {
		return nil, nil, false
	}
	if l == 0 {
		return nil, b[n:], true
	}
	return b[n : n+int(l-1)], b[n+int(l-1):], true
}

// encodeHeaders writes headers as (uvarint len, key, value as writeBytes)
// tuples.
func encodeHeaders(hs []*sarama.RecordHeader) string {
	var sb strings.Builder
	writeHeaders(&sb, hs)
	return sb.String()
}

func writeHeaders(sb *strings.Builder, hs []*sarama.RecordHeader) {
	var tmp [binary.MaxVarintLen64]byte
	for _, h := range hs {
		sb.Write(binary.AppendUvarint(tmp[:0], uint64(len(h.Key))))
		sb.Write(h.Key)
		writeBytes(sb, h.Value)
	}
}

var errCorruptHeaders = errors.New("corrupt header encoding")

func decodeHeaders(s string) ([]model.Header, error) {
	return headersFrom(s, []byte(s))
}

// headersFrom reads the headers encodeHeaders wrote into b, whose bytes are
// s's: keys are cut from s, values alias b.
func headersFrom(s string, b []byte) ([]model.Header, error) {
	var hs []model.Header
	off := 0
	for off < len(b) {
		kl, n := binary.Uvarint(b[off:])
		if n <= 0 || uint64(len(b)-off-n) < kl {
			return nil, errCorruptHeaders
		}
		key := s[off+n : off+n+int(kl)]
		val, rest, ok := readBytes(b[off+n+int(kl):])
		if !ok {
			return nil, errCorruptHeaders
		}
		hs = append(hs, model.Header{Key: key, Value: val})
		off = len(b) - len(rest)
	}
	return hs, nil
}
