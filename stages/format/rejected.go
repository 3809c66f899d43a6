package format

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/sluicehq/sluice/model"
)

// Dead-letter lines: a rejected record is written as the JSON line the
// jsonl format writes for a record (see appendRow: same field order, the
// same text, base64 and embedded-JSON rules for the key, the headers and the
// value), with its reason last:
//
//	{"topic":"t","partition":0,"offset":42,"timestamp":"2026-11-22T01:02:03.456Z",
//	 "key":"k","headers":[],"value":"[1,2",... ,"reason":"decoding json: ..."}
//
// The bytes are a pure function of the record and the reason, so a round's
// dead-letter file is the same whoever writes it. ParseRejection reads a
// line back to the record's original key, value and headers.

// ErrBadRejection means a dead-letter line cannot be read back.
var ErrBadRejection = errors.New("bad dead-letter line")

// AppendRejection appends r as one dead-letter line and a newline.
func AppendRejection(b []byte, r *model.Rejection) []byte {
	rec := &r.Record
	b = appendHead(b, rec.Topic, rec.Partition, rec.Offset, rec.Timestamp.UnixMilli())
	b = appendTextBytes(b, "key", rec.Key, rec.Key == nil)
	b = append(b, `,"headers":[`...)
	for j, h := range rec.Headers {
		b = appendHeader(b, j > 0, h.Key, h.Value, h.Value == nil)
	}
	b = append(b, "],"...)
	b = appendValueBytes(b, rec.Value, rec.Value == nil)
	b = append(b, `,"reason":`...)
	b = appendString(b, validUTF8(r.Reason))
	return append(b, "}\n"...)
}

// appendTextBytes appends `"name":"text"`, `"name_base64":"..."` or
// `"name":null` (null set).
func appendTextBytes(b []byte, name string, v []byte, null bool) []byte {
	if null {
		return append(append(append(b, '"'), name...), `":null`...)
	}
	if utf8.Valid(v) {
		b = append(append(append(b, '"'), name...), `":`...)
		return appendString(b, v)
	}
	return appendBase64(b, name, v)
}

// appendValueBytes appends a record value as appendRow does: embedded
// JSON, "value_text", "value_base64", or "value":null for a tombstone.
func appendValueBytes(b []byte, v []byte, null bool) []byte {
	switch {
	case null:
		return append(b, `"value":null`...)
	case embeddableJSON(v):
		return append(append(b, `"value":`...), v...)
	case utf8.Valid(v):
		return appendString(append(b, `"value_text":`...), v)
	}
	return appendBase64(b, "value", v)
}

// rejectionLine is a dead-letter line as encoding/json reads it.
type rejectionLine struct {
	Topic       string          `json:"topic"`
	Partition   int32           `json:"partition"`
	Offset      int64           `json:"offset"`
	Timestamp   string          `json:"timestamp"`
	Key         *string         `json:"key"`
	KeyBase64   *string         `json:"key_base64"`
	Headers     []headerLine    `json:"headers"`
	Value       json.RawMessage `json:"value"`
	ValueText   *string         `json:"value_text"`
	ValueBase64 *string         `json:"value_base64"`
	Reason      string          `json:"reason"`
}

type headerLine struct {
	Key         string  `json:"key"`
	Value       *string `json:"value"`
	ValueBase64 *string `json:"value_base64"`
}

// ParseRejection reads one dead-letter line (with or without its newline)
// back into the rejected record, with its original key, value and headers,
// and its reason. Its errors wrap ErrBadRejection.
func ParseRejection(line []byte) (model.Rejection, error) {
	var l rejectionLine
	if err := json.Unmarshal(line, &l); err != nil {
		return model.Rejection{}, fmt.Errorf("%w: %w", ErrBadRejection, err)
	}
	ts, err := time.Parse(timestampLayout, l.Timestamp)
	if err != nil {
		return model.Rejection{}, fmt.Errorf("%w: offset %d: timestamp: %w", ErrBadRejection, l.Offset, err)
	}
	rec := model.Record{Topic: l.Topic, Partition: l.Partition, Offset: l.Offset, Timestamp: ts}
	if rec.Key, err = textOrBase64(l.Key, l.KeyBase64); err != nil {
		return model.Rejection{}, fmt.Errorf("%w: offset %d: key: %w", ErrBadRejection, l.Offset, err)
	}
	for _, h := range l.Headers {
		v, err := textOrBase64(h.Value, h.ValueBase64)
		if err != nil {
			return model.Rejection{}, fmt.Errorf("%w: offset %d: header %q: %w", ErrBadRejection, l.Offset, h.Key, err)
		}
		rec.Headers = append(rec.Headers, model.Header{Key: h.Key, Value: v})
	}
	switch {
	case l.ValueText != nil:
		rec.Value = []byte(*l.ValueText)
	case l.ValueBase64 != nil:
		if rec.Value, err = base64.StdEncoding.DecodeString(*l.ValueBase64); err != nil {
			return model.Rejection{}, fmt.Errorf("%w: offset %d: value: %w", ErrBadRejection, l.Offset, err)
		}
	case l.Value != nil && !bytes.Equal(l.Value, []byte("null")):
		rec.Value = bytes.Clone(l.Value)
	}
	return model.Rejection{Record: rec, Reason: l.Reason}, nil
}

// textOrBase64 returns the bytes of a "name" / "name_base64" pair, nil when
// both are absent or null.
func textOrBase64(text, b64 *string) ([]byte, error) {
	switch {
	case text != nil:
		return []byte(*text), nil
	case b64 != nil:
		return base64.StdEncoding.DecodeString(*b64)
	}
	return nil, nil
}

// RejectedExtension is the file extension of a dead-letter file compressed
// with compression (none, gzip or zstd): ".jsonl", ".jsonl.gz", ".jsonl.zst".
func RejectedExtension(compression string) string {
	switch compression {
	case CompressionGzip:
		return ".jsonl.gz"
	case CompressionZstd:
		return ".jsonl.zst"
	}
	return ".jsonl"
}

// NewRejectedWriter wraps w in the compression of a dead-letter file (none,
// gzip or zstd), deterministic as the jsonl format's: the same lines give
// the same bytes. Close flushes it, not w.
func NewRejectedWriter(w io.Writer, compression string) (io.WriteCloser, error) {
	if compression == "" {
		compression = CompressionNone
	}
	cw, err := newCompressor(w, resolved{typ: TypeJSONL, compression: compression})
	if err != nil {
		return nil, fmt.Errorf("creating %s compressor: %w", compression, err)
	}
	return cw, nil
}
